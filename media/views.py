"""Stored files served by Django (the demo, or behind a proxy that does not serve MEDIA_ROOT itself)."""

from django.conf import settings
from django.views.static import serve


def media(request, path):
    """Uploaded photos (random, unguessable names). Behind nginx, serve MEDIA_ROOT there and set
    SERVE_MEDIA=0."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
