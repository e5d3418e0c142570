"""Stored files served by Django (the demo, or behind a proxy that does not serve MEDIA_ROOT itself).

Only public files are served here (course covers); uploaded photos, signatures and evidence are personal
data and go out only through expiring signed links (`/files/<token>`, media.presenters.file_url,
docs/adr/0081): a `/media/photos/…` URL is 403 whoever asks.
"""

from django.conf import settings
from django.views.static import serve

from miniprogram_api.envelope import error_response

PUBLIC_PREFIXES = ("course-covers/",)


def media(request, path):
    """Public uploads (random names). Behind nginx, serve only MEDIA_ROOT/course-covers there and set
    SERVE_MEDIA=0."""
    if not path.startswith(PUBLIC_PREFIXES) or ".." in path.split("/"):
        return error_response(403, "media_private", "该文件需通过授权链接访问")
    return serve(request, path, document_root=settings.MEDIA_ROOT)
