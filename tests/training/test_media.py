"""Lesson files: MP4 (H.264/AAC) and PDF only, described from the file itself; private, behind expiring
signed links; served with HTTP Range over a real server so the WeChat <video> can seek."""

from __future__ import annotations

import time

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.services import issue_token
from miniprogram_api import signed_urls
from tests.conftest import assert_error
from tests.e2e.servers import free_port, live_database_url, server_env, start_uvicorn, stop
from tests.practice import png_bytes
from training.models import Enrolment, Lesson, LessonMedia

from .kit import DEMO_VIDEO, make_course

MP4 = DEMO_VIDEO.read_bytes()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> " \
      b"endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(people, user, lesson, data: bytes, name: str = "lesson.mp4", content_type: str = "video/mp4"):
    client = people.client(user)
    return client.client.post(f"/api/v1/lessons/{lesson.pk}/media",
                              {"file": SimpleUploadedFile(name, data, content_type=content_type)},
                              HTTP_AUTHORIZATION=f"Bearer {client.token}")


@pytest.fixture
def lessons(people, clock):
    course = make_course(unit=people.org.hvac, kinds=("video", "document", "article"))
    video, document, article = course.lessons.order_by("order")
    Lesson.objects.filter(pk=video.pk).update(media=None)
    video.refresh_from_db()
    return course, video, document, article


def test_a_trainer_uploads_an_mp4_described_from_its_bytes(people, lessons):
    course, video, _, _ = lessons
    response = upload(people, people.trainer, video, MP4)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["duration_s"] == "20.1" and body["video_codec"] == "h264" and body["audio_codec"] == "aac"
    assert (body["width"], body["height"]) == (160, 90) and body["size_bytes"] == len(MP4)
    media = LessonMedia.objects.get(pk=body["id"])
    assert signed_urls.private_path(media.poster_path).read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG poster
    assert signed_urls.private_path(media.path).read_bytes() == MP4
    video.refresh_from_db()
    assert video.media_id == media.pk


@pytest.mark.parametrize("data, code", [
    (png_bytes(), "video_type_not_allowed"),
    (MP4[:8] + b"qt  " + MP4[12:], "video_type_not_allowed"),  # a QuickTime .mov
    (MP4[:12] + b"\x00" * 4000, "video_type_not_allowed"),  # an MP4 header over garbage
    (b"", "video_type_not_allowed"),
])
def test_anything_but_an_mp4_is_415_and_changes_nothing(people, lessons, data, code):
    course, video, _, _ = lessons
    assert_error(upload(people, people.trainer, video, data), 415, code)
    assert not LessonMedia.objects.filter(lessons=video).exists()


def test_an_oversize_video_is_413(people, lessons, settings):
    settings.TRAINING_VIDEO_MAX_BYTES = 10_000
    course, video, _, _ = lessons
    body = assert_error(upload(people, people.trainer, video, MP4), 413, "file_too_large")
    assert body["detail"]["max_bytes"] == 10_000
    video.refresh_from_db()
    assert video.media_id is None


def test_documents_are_pdf_only(people, lessons):
    course, _, document, article = lessons
    response = upload(people, people.trainer, document, PDF, "规范.pdf", "application/pdf")
    assert response.status_code == 201 and response.json()["pages"] == 1
    assert_error(upload(people, people.trainer, document, b"hello", "a.pdf", "application/pdf"), 415,
                 "document_type_not_allowed")
    assert_error(upload(people, people.trainer, article, PDF, "a.pdf"), 409, "lesson_takes_no_file")


def test_only_trainers_of_the_course_upload(people, lessons):
    course, video, _, _ = lessons
    assert_error(upload(people, people.learner, video, MP4), 403, "not_a_trainer")
    assert_error(upload(people, people.leader, video, MP4), 403, "not_a_trainer")
    assert_error(upload(people, people.outsider, video, MP4), 404)
    assert upload(people, people.admin, video, MP4).status_code == 201
    client = people.client(people.trainer)
    refused = client.client.post(f"/api/v1/lessons/{video.pk}/media", b"{}", content_type="application/json",
                                 HTTP_AUTHORIZATION=f"Bearer {client.token}")
    assert_error(refused, 415)


def test_signed_links(people, lessons, clock):
    course, video, _, _ = lessons
    upload(people, people.trainer, video, MP4)
    assert_error(people.client(people.learner).get(f"lessons/{video.pk}/media"), 403, "not_enrolled")
    assert_error(people.client(people.outsider).get(f"lessons/{video.pk}/media"), 404)
    Enrolment.objects.create(course=course, user=people.learner)
    link = people.client(people.learner).get(f"lessons/{video.pk}/media").json()
    assert link["url"].startswith("http://testserver/files/") and link["content_type"] == "video/mp4"
    path = link["url"].removeprefix("http://testserver")
    from django.test import Client

    anonymous = Client()
    whole = anonymous.get(path)
    assert whole.status_code == 200 and b"".join(whole) == MP4
    part = anonymous.get(path, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{len(MP4)}"
    assert b"".join(part) == MP4[100:200]
    poster = anonymous.get(link["poster_url"].removeprefix("http://testserver"))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert_error(anonymous.get(f"/files/{tampered}"), 403, "link_invalid")
    expired, _ = signed_urls.sign(video.media.path if video.media else "x", seconds=60, now=time.time() - 3600)
    assert_error(anonymous.get(f"/files/{expired}"), 403, "link_expired")
    escape, _ = signed_urls.sign("../../etc/passwd")
    assert_error(anonymous.get(f"/files/{escape}"), 403, "link_invalid")


def test_range_parsing():
    assert signed_urls.parse_range("bytes=0-99", 1000) == (0, 99)
    assert signed_urls.parse_range("bytes=900-", 1000) == (900, 999)
    assert signed_urls.parse_range("bytes=-100", 1000) == (900, 999)
    assert signed_urls.parse_range("bytes=990-2000", 1000) == (990, 999)
    assert signed_urls.parse_range("bytes=0-1,5-9", 1000) is None  # several ranges: the whole file
    for bad in ("bytes=1000-", "bytes=500-400", "bytes=-0"):
        with pytest.raises(ValueError):
            signed_urls.parse_range(bad, 1000)


@pytest.mark.e2e
def test_range_requests_over_a_real_server(transactional_db, org, make_user, settings, tmp_path):
    """What WeChat's <video> does: ask for the link, then fetch pieces by Range from uvicorn."""
    from .kit import People

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    people = People(org, make_user, None)
    course = make_course(unit=org.hvac)
    lesson = course.lessons.get()
    Enrolment.objects.create(course=course, user=people.learner)
    token, _ = issue_token(user=people.learner)
    # The server signs the link with its own key: this process only fetches, as a phone would.
    env = server_env(DATABASE_URL=live_database_url(), PRIVATE_MEDIA_ROOT=str(settings.PRIVATE_MEDIA_ROOT), DEBUG="0",
                     DB_POOL_MIN="1", DB_POOL_MAX="2")
    port = free_port()
    proc = start_uvicorn(port, env)
    base = f"http://127.0.0.1:{port}"
    size = len(MP4)
    try:
        link = requests.get(f"{base}/api/v1/lessons/{lesson.pk}/media", headers={"Authorization": f"Bearer {token}"},
                            timeout=10)
        assert link.status_code == 200, link.text
        url = link.json()["url"]
        assert url.startswith(f"{base}/files/")
        whole = requests.get(url, timeout=10)
        assert whole.status_code == 200 and whole.content == MP4
        assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Content-Type"] == "video/mp4"
        for header, first, last in (("bytes=0-1", 0, 1), ("bytes=1000-4999", 1000, 4999),
                                    (f"bytes={size - 100}-", size - 100, size - 1), ("bytes=-500", size - 500, size - 1),
                                    (f"bytes=40000-{size + 5000}", 40000, size - 1)):
            part = requests.get(url, headers={"Range": header}, timeout=10)
            assert part.status_code == 206, (header, part.status_code)
            assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}", header
            assert int(part.headers["Content-Length"]) == last - first + 1
            assert part.content == MP4[first:last + 1], header
        beyond = requests.get(url, headers={"Range": f"bytes={size}-"}, timeout=10)
        assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
        assert beyond.json()["code"] == "range_not_satisfiable"
        head = requests.head(url, headers={"Range": "bytes=0-9"}, timeout=10)
        assert head.status_code == 206 and head.headers["Content-Range"] == f"bytes 0-9/{size}"
        forged = requests.get(url[:-3] + "xyz", timeout=10)
        assert forged.status_code == 403 and forged.json()["code"] == "link_invalid"
    finally:
        stop(proc)
