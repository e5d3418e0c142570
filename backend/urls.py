from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path

from apprenticeships.views import certificate_page
from backend.api import api
from backend.metrics_view import metrics_view
from competitions.views import screen
from credentials import views as credentials_views
from media.views import media
from miniprogram_api import signed_urls
from miniprogram_api.views import healthz, readyz
from standards.views import qr_landing
from supervision.views import screen as supervision_screen

admin.site.site_header = "实训 Shixun 管理后台"
admin.site.site_title = "实训管理后台"
admin.site.index_title = "机关事务实训基地"

urlpatterns = [
    path("api/v1/", api.urls),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", healthz),
    path("readyz", readyz),
    path("metrics", metrics_view),
    path("q/<str:code>", qr_landing, name="qr-landing"),
    path("screen/competitions/<int:contest_id>/", screen, name="competition-screen"),
    path("screen/supervision/", supervision_screen, name="supervision-screen"),
    path("c/<str:code>", certificate_page, name="certificate-page"),
    # Private files (lesson videos and documents) behind expiring signed links, with HTTP Range.
    path("files/<str:token>", signed_urls.serve, name="signed-file"),
    # Verifiable credentials: the issuer's key (did:web, JWKS) and the revocation status lists.
    path(".well-known/did.json", credentials_views.did_json, name="did-document"),
    path(".well-known/jwks.json", credentials_views.jwks_json, name="jwks"),
    path("credentials/status/<int:list_id>", credentials_views.status_list, name="status-list"),
]


if settings.SERVE_MEDIA:
    urlpatterns.append(re_path(r"^media/(?P<path>.+)$", media))
