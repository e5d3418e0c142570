from django.contrib import admin
from django.urls import path

from competitions.views import screen
from miniprogram_api.api import api
from miniprogram_api.views import healthz, readyz

admin.site.site_header = "实训 Shixun 管理后台"
admin.site.site_title = "实训管理后台"
admin.site.index_title = "机关事务实训基地"

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("readyz", readyz),
    path("screen/competitions/<int:contest_id>/", screen, name="competition-screen"),
]
