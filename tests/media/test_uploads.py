"""POST /uploads/photos: real images only, within limits, normalised, location stripped, capture time kept."""

import io
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client
from PIL import ExifTags, Image

from media.models import Photo
from tests.conftest import assert_error
from tests.practice import png_bytes, upload


def jpeg_from_a_phone(size=(4000, 3000)) -> bytes:
    """What a phone camera sends: big, rotated by an EXIF tag, with GPS and capture time."""
    image = Image.new("RGB", size, (180, 90, 40))
    image.paste((20, 20, 20), (0, 0, 400, 300))  # a dark corner, to see the rotation
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    exif[ExifTags.Base.Make] = "HUAWEI"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    sub[ExifTags.Base.DateTimeOriginal] = "2026:11:20 09:15:30"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (31.0, 48.0, 38.5), 3: "E", 4: (119.0, 58.0, 26.4)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def stored(url: str) -> Image.Image:
    from miniprogram_api.signed_urls import verify

    path = Path(django_settings.MEDIA_ROOT) / verify(url.split("/files/", 1)[1])
    return Image.open(path)


def test_a_phone_photo_is_downsized_upright_without_location_but_with_its_time(practice):
    response = upload(practice.client(practice.worker), jpeg_from_a_phone(), name="IMG_2041.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (1536, 2048)  # upright, long edge 2048
    assert body["url"].startswith("http://testserver/files/") and body["thumbnail_url"] != body["url"]
    assert body["taken_at"] == "2026-11-20T01:15:30Z"  # 09:15:30 in Shanghai, where the phone was
    image = stored(body["url"])
    assert image.format == "JPEG" and image.size == (1536, 2048)
    assert image.getpixel((1530, 5))[0] < 60  # the dark corner is now top right
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == "2026:11:20 09:15:30"
    thumb = stored(body["thumbnail_url"])
    assert max(thumb.size) == 320
    photo = Photo.objects.get(pk=body["id"])
    assert photo.uploader == practice.worker and photo.owner_id is None and photo.original_format == "JPEG"
    served = Client().get(body["url"].replace("http://testserver", ""))
    assert served.status_code == 200


def test_png_and_webp_are_accepted(practice):
    worker = practice.client(practice.worker)
    png = upload(worker, png_bytes((300, 200)), name="signature.png")
    assert png.status_code == 201 and Photo.objects.get(pk=png.json()["id"]).file.name.endswith(".png")
    webp = upload(worker, png_bytes((300, 200), fmt="WEBP"), name="photo.webp")
    assert webp.status_code == 201 and Photo.objects.get(pk=webp.json()["id"]).file.name.endswith(".jpg")


def test_not_an_image_is_415(practice):
    response = upload(practice.client(practice.worker), b"%PDF-1.4 not a photo at all", name="report.pdf")
    assert_error(response, 415, "not_an_image")


def test_a_truncated_image_is_415(practice):
    worker = practice.client(practice.worker)
    whole = jpeg_from_a_phone((1200, 900))
    assert_error(upload(worker, whole[: len(whole) // 2], name="cut.jpg"), 415, "image_truncated")
    noisy = Image.effect_noise((400, 400), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    png = buffer.getvalue()
    assert_error(upload(worker, png[: len(png) - 2000], name="cut.png"), 415, "image_truncated")


def test_a_decompression_bomb_is_413(practice, settings):
    worker = practice.client(practice.worker)
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")  # 144 megapixels in ~20 KB
    assert len(bomb.getvalue()) < 100_000
    assert_error(upload(worker, bomb.getvalue(), name="bomb.png"), 413, "image_too_many_pixels")
    settings.PHOTO_MAX_PIXELS = 1_000_000
    assert_error(upload(worker, png_bytes((1200, 1000)), name="big.png"), 413, "image_too_many_pixels")


def test_a_file_over_the_size_limit_is_413(practice, settings):
    settings.PHOTO_MAX_BYTES = 50_000
    noisy = Image.effect_noise((600, 600), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > 50_000
    body = assert_error(upload(practice.client(practice.worker), buffer.getvalue()), 413, "image_too_large")
    assert body["detail"]["max_bytes"] == 50_000
    huge = b"\xff\xd8" + b"0" * 200_000  # refused from its Content-Length, before parsing
    assert_error(upload(practice.client(practice.worker), huge, name="huge.jpg"), 413, "image_too_large")


def test_a_real_image_of_the_wrong_type_is_415(practice):
    for fmt in ("GIF", "BMP", "TIFF"):
        body = assert_error(upload(practice.client(practice.worker), png_bytes(fmt=fmt), name=f"x.{fmt.lower()}"),
                            415, "image_type_not_allowed")
        assert body["detail"]["format"] == fmt


def test_the_request_itself_must_be_a_multipart_upload(practice):
    worker = practice.client(practice.worker)
    assert_error(worker.post("uploads/photos", {"file": "abc"}), 415, "unsupported_media_type")
    no_file = worker.client.post("/api/v1/uploads/photos", {"note": "x"}, HTTP_AUTHORIZATION=f"Bearer {worker.token}")
    body = assert_error(no_file, 422, "validation_error")
    assert body["detail"][0]["field"] == "file"
    assert not Photo.objects.exists()


def test_an_upload_resent_with_its_client_id_is_stored_once(practice):
    worker = practice.client(practice.worker)
    first = upload(worker, png_bytes(), client_id="photo-1")
    again = upload(worker, png_bytes(), client_id="photo-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Photo.objects.count() == 1


def test_uploads_need_a_login(practice):
    from tests.conftest import ApiClient

    assert_error(upload(ApiClient()), 401, "unauthorized")
