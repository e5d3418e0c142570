"""Photos, signatures and evidence go out only through expiring signed links: `/media/photos/…` is 403 to
anyone, a guessed, tampered or expired link is 403, a fresh one serves the file."""

import time

from django.test import Client

from media.models import Photo
from miniprogram_api.signed_urls import sign
from tests.conftest import assert_error
from tests.practice import png_bytes, upload


def _path(url: str) -> str:
    return url.replace("http://testserver", "")


def test_photo_links_are_signed_and_media_no_longer_serves_photos(practice):
    body = upload(practice.client(practice.worker), png_bytes((300, 200)), name="evidence.png").json()
    assert body["url"].startswith("http://testserver/files/")
    assert body["thumbnail_url"].startswith("http://testserver/files/")
    anonymous = Client()
    served = anonymous.get(_path(body["url"]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["Cache-Control"].startswith("private")

    photo = Photo.objects.get(pk=body["id"])
    assert_error(anonymous.get(f"/media/{photo.file.name}"), 403, "media_private")
    assert_error(anonymous.get(f"/media/{photo.thumbnail.name}"), 403, "media_private")
    assert_error(anonymous.get("/media/course-covers/../photos/x.png"), 403)


def test_guessed_tampered_and_expired_links_are_403(practice):
    body = upload(practice.client(practice.worker), png_bytes((300, 200)), name="evidence.png").json()
    photo = Photo.objects.get(pk=body["id"])
    client = Client()
    assert_error(client.get("/files/guessed-token"), 403, "link_invalid")
    token = _path(body["url"]).removeprefix("/files/")
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert_error(client.get(f"/files/{tampered}"), 403, "link_invalid")
    # a valid signature for the private root must not reach a photo in MEDIA_ROOT
    other_root, _ = sign(photo.file.name)
    assert client.get(f"/files/{other_root}").status_code == 404
    expired, _ = sign(photo.file.name, root="media", seconds=60, now=time.time() - 3600)
    assert_error(client.get(f"/files/{expired}"), 403, "link_expired")
    escape, _ = sign("../private/x", root="media")
    assert_error(client.get(f"/files/{escape}"), 403, "link_invalid")


def test_every_presenter_that_shows_photos_signs_them(practice):
    """Practice's step records, work orders' events and apprenticeships' evidence all use photo_out."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # `<photo>.file.url` / `.thumbnail.url` would be an unsigned /media/ link
            if isinstance(node, ast.Attribute) and node.attr == "url" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr in {"file", "thumbnail"}:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
