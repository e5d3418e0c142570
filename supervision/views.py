"""The bureau's wall screen (监管大屏): one self-contained page (inline CSS and JS, local fonts, no CDN).

The page holds no figures: it reads `/api/v1/supervision/overview` with a bearer token passed in the URL's
fragment (`#token=…`, which browsers never send to the server, so it stays out of access logs), so the wall
shows exactly what that supervisor may see — the same scope as the API and the export (docs/adr/0091).
"""

from django.http import HttpRequest
from django.shortcuts import render


def screen(request: HttpRequest):
    unit = request.GET.get("unit", "")
    refresh = request.GET.get("refresh", "")
    return render(request, "supervision/screen.html", {
        "unit": unit if unit.isdigit() else "",
        # seconds between refreshes (the window also rolls over at midnight Asia/Shanghai on its own)
        "refresh": int(refresh) if refresh.isdigit() and 1 <= int(refresh) <= 3600 else 300,
    })
