"""The venue's big screen (大屏): one self-contained page, no CDN, that follows the public board."""

from django.http import Http404, HttpRequest
from django.shortcuts import render

from .models import Contest


def screen(request: HttpRequest, contest_id: int):
    contest = Contest.objects.filter(pk=contest_id).first()
    if contest is None:
        raise Http404("比武不存在")
    return render(request, "competitions/screen.html", {"contest": contest})
