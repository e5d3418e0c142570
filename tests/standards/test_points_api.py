"""Points for admins and leaders: lists in scope, labels (PNG and A4 PDF, decoded with a real QR decoder),
code rotation and revocation, the cached mini-program code, and the landing page of a printed QR."""

import io
import subprocess

from django.conf import settings
from PIL import Image

from accounts.models import Role
from standards import labels
from standards import services as standards_services
from tests.conftest import assert_error
from tests.practice import decode_qr as decode
from tests.practice import make_point, qr_of, require_tool


def link(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/q/{code}"


def test_workers_cannot_manage_points(practice):
    worker = practice.client(practice.worker)
    assert_error(worker.get("points"), 403, "forbidden")
    assert_error(worker.get(f"points/{practice.point.pk}/label.png"), 403, "forbidden")
    assert_error(worker.post(f"points/{practice.point.pk}/rotate-code"), 403, "forbidden")
    assert_error(practice.client(practice.master).get("points"), 403, "forbidden")


def test_leaders_see_the_points_of_their_studio_and_admins_all(practice):
    make_point(studio=practice.org.bas, code="BAS-01", name="DDC 控制柜实训台")
    hvac = practice.client(practice.leader).get("points").json()
    assert [p["code"] for p in hvac["items"]] == ["HVAC-01"]
    item = hvac["items"][0]
    assert item["qr_code"] == practice.code and item["qr_link"] == link(practice.code)
    assert item["procedures"] == [{"id": practice.procedure.pk, "code": "SOP-T-001", "title": "冷水机组日常巡检",
                                   "standard_code": "GB 50365-2019", "version_id": practice.version.pk}]
    admin = practice.client(practice.admin)
    assert [p["code"] for p in admin.get("points").json()["items"]] == ["BAS-01", "HVAC-01"]
    assert [p["code"] for p in admin.get("points", {"studio": practice.org.bas.pk}).json()["items"]] == ["BAS-01"]
    assert_error(practice.client(practice.bas_leader).get(f"points/{practice.point.pk}"), 404, "not_found")


def test_a_label_png_carries_the_link_qr_at_300_dpi(practice):
    response = practice.client(practice.leader).get(f"points/{practice.point.pk}/label.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (750, 450)  # 63.5 × 38.1 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    assert decode(image) == [link(practice.code)]
    assert labels.font_path().endswith("NotoSansCJK-Regular.ttc")  # the PyPI package's, not Debian's


def test_labels_need_no_debian_font(practice, settings):
    """A fresh machine without fonts-wqy-microhei/fonts-noto-cjk: the font from the PyPI dependency
    draws the Chinese name (Simplified Chinese face of the collection)."""
    settings.LABEL_FONT_PATHS = [p for p in settings.LABEL_FONT_PATHS if not p.startswith("/usr/share/")]
    response = practice.client(practice.leader).get(f"points/{practice.point.pk}/label.png")
    assert response.status_code == 200
    assert decode(Image.open(io.BytesIO(response.content))) == [link(practice.code)]
    path = labels.font_path()
    assert "noto_cjk_sans_otc" in path
    assert labels.font(20).getname()[0] == "Noto Sans CJK SC"
    assert labels.font(20).getlength("暖通") > 0


def _sheet_qrs(pdf_bytes: bytes, tmp_path, count: int) -> list[list[str]]:
    pdftoppm = require_tool("pdftoppm")
    tmp_path.mkdir(exist_ok=True)
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(pdf_bytes)
    subprocess.run([pdftoppm, "-r", "150", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "s")], check=True)
    page = Image.open(next(tmp_path.glob("s-*1.png")))
    mm = 150 / 25.4
    found = []
    for index in range(count):
        row, column = divmod(index, labels.COLUMNS)
        left = (labels.MARGIN_LEFT_MM + column * labels.COLUMN_PITCH_MM) * mm
        top = (labels.MARGIN_TOP_MM + row * labels.LABEL_H_MM) * mm
        found.append(decode(page.crop((round(left), round(top), round(left + labels.LABEL_W_MM * mm),
                                       round(top + labels.LABEL_H_MM * mm)))))
    return found


def test_repeated_ids_and_copies_print_copies(practice, tmp_path):
    """labels.pdf?ids=1,1,1 printed one label; repeats and copies=N are copies, in the order asked."""
    leader = practice.client(practice.leader)
    other = make_point(studio=practice.org.hvac, code="HVAC-02", name="风机盘管")
    one, two = link(practice.code), link(qr_of(other))
    pk = practice.point.pk
    response = leader.get("points/labels.pdf", {"ids": f"{pk},{pk},{pk}"})
    assert response.status_code == 200
    assert _sheet_qrs(response.content, tmp_path / "a", 4) == [[one], [one], [one], []]
    response = leader.get("points/labels.pdf", {"ids": f"{pk},{other.pk}", "copies": 2})
    assert _sheet_qrs(response.content, tmp_path / "b", 5) == [[one], [one], [two], [two], []]
    assert_error(leader.get("points/labels.pdf", {"ids": str(pk), "copies": 0}), 422, "validation_error")
    assert_error(leader.get("points/labels.pdf", {"ids": str(pk), "copies": 22}), 422, "validation_error")


def test_the_label_sheet_is_a4_with_21_labels_a_page_and_every_qr_decodes(practice, tmp_path):
    pdfinfo, pdftoppm = require_tool("pdfinfo"), require_tool("pdftoppm")
    points = [practice.point] + [
        make_point(studio=practice.org.hvac, code=f"HVAC-{n:02d}", name=f"{n}号风机盘管实训台（行政中心{n}楼）")
        for n in range(2, 24)
    ]  # 23 points: two pages
    ids = ",".join(str(p.pk) for p in points)
    response = practice.client(practice.leader).get("points/labels.pdf", {"ids": ids})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "labels.pdf"
    pdf.write_bytes(response.content)

    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           2" in info
    assert "(A4)" in info

    subprocess.run([pdftoppm, "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = [Image.open(tmp_path / "page-1.png"), Image.open(tmp_path / "page-2.png")]
    assert all(abs(p.width - 1240) <= 2 and abs(p.height - 1754) <= 2 for p in pages)  # A4 at 150 dpi

    # Cut the sheet along the 3 × 7 grid, as the printed labels will be, and read each label's QR:
    # every label carries its own point's link, in the order asked for.
    def cell(page, index):
        row, column = divmod(index, labels.COLUMNS)
        mm = 150 / 25.4
        left = (labels.MARGIN_LEFT_MM + column * labels.COLUMN_PITCH_MM) * mm
        top = (labels.MARGIN_TOP_MM + row * labels.LABEL_H_MM) * mm
        return page.crop((round(left), round(top), round(left + labels.LABEL_W_MM * mm),
                          round(top + labels.LABEL_H_MM * mm)))

    found = [decode(cell(pages[n // 21], n % 21)) for n in range(len(points))]
    assert found == [[link(qr_of(p))] for p in points]
    assert decode(cell(pages[1], 2)) == []  # the rest of the second sheet is blank


def test_labels_for_a_whole_studio_and_refusals(practice):
    leader = practice.client(practice.leader)
    make_point(studio=practice.org.hvac, code="HVAC-02", name="风机盘管")
    whole = leader.get("points/labels.pdf", {"studio": practice.org.hvac.pk})
    assert whole.status_code == 200 and whole.content.startswith(b"%PDF")
    assert_error(leader.get("points/labels.pdf"), 422, "ids_or_studio_required")
    assert_error(leader.get("points/labels.pdf", {"ids": "1,x"}), 422, "validation_error")
    bas_point = make_point(studio=practice.org.bas, code="BAS-01", name="DDC 控制柜")
    missing = assert_error(leader.get("points/labels.pdf", {"ids": f"{practice.point.pk},{bas_point.pk}"}), 404)
    assert missing["detail"]["missing_ids"] == [bas_point.pk]
    standards_services.revoke_code(point=practice.point)
    assert_error(leader.get("points/labels.pdf", {"ids": str(practice.point.pk)}), 409, "qr_no_active_code")
    assert_error(leader.get(f"points/{practice.point.pk}/label.png"), 409, "qr_no_active_code")


def test_a_missing_cjk_font_is_a_clear_503(practice, settings):
    settings.LABEL_FONT_PATHS = ["/nonexistent/font.ttc"]
    response = practice.client(practice.leader).get(f"points/{practice.point.pk}/label.png")
    assert_error(response, 503, "label_font_missing")


def test_rotating_a_code_revokes_the_old_one(practice):
    leader = practice.client(practice.leader)
    old = practice.code
    response = leader.post(f"points/{practice.point.pk}/rotate-code", {"reason": "标签被拍照外传"})
    assert response.status_code == 200
    new = response.json()["qr_code"]
    assert new != old and len(new) == 16
    assert_error(practice.client(practice.worker).get(f"scan/{old}"), 410, "qr_revoked")
    assert practice.client(practice.worker).get(f"scan/{new}").status_code == 200
    label = leader.get(f"points/{practice.point.pk}/label.png")
    assert decode(Image.open(io.BytesIO(label.content))) == [link(new)]
    revoked = practice.point.qr_codes.get(code=old)
    assert revoked.revoke_reason == "标签被拍照外传" and revoked.revoked_by == practice.leader
    no_body = leader.raw("POST", f"points/{practice.point.pk}/rotate-code", b"")
    assert no_body.status_code == 200 and no_body.json()["qr_code"] not in (old, new)


def test_revoking_without_replacement(practice):
    response = practice.client(practice.leader).post(f"points/{practice.point.pk}/revoke-code", {"reason": "设备拆除"})
    assert response.status_code == 200 and response.json()["qr_code"] is None
    assert_error(practice.client(practice.worker).get(f"scan/{practice.code}"), 410, "qr_revoked")


def test_the_mini_program_code_is_fetched_once_and_cached(practice, fake_wechat):
    leader = practice.client(practice.leader)
    first = leader.get(f"points/{practice.point.pk}/wxacode.png")
    assert first.status_code == 200 and first["Content-Type"] == "image/png"
    assert decode(Image.open(io.BytesIO(first.content))) == [f"pages/scan/index?scene={practice.code}"]
    again = leader.get(f"points/{practice.point.pk}/wxacode.png")
    assert again.content == first.content
    assert fake_wechat.state.calls["getwxacodeunlimit"] == 1
    leader.post(f"points/{practice.point.pk}/rotate-code")
    rotated = leader.get(f"points/{practice.point.pk}/wxacode.png")
    assert decode(Image.open(io.BytesIO(rotated.content))) == [f"pages/scan/index?scene={qr_of(practice.point)}"]
    assert fake_wechat.state.calls["getwxacodeunlimit"] == 2


def test_the_mini_program_code_while_wechat_is_down_is_503(practice, fake_wechat):
    fake_wechat.state.down = True
    response = practice.client(practice.leader).get(f"points/{practice.point.pk}/wxacode.png")
    assert_error(response, 503, "wechat_unavailable")


def test_the_printed_link_opens_a_landing_page(practice, client):
    page = client.get(f"/q/{practice.code}")
    assert page.status_code == 200 and "1号冷水机组" in page.content.decode() and "微信" in page.content.decode()
    assert client.get("/q/NoSuchCode").status_code == 404
    standards_services.rotate_code(point=practice.point)
    assert client.get(f"/q/{practice.code}").status_code == 410


def test_the_admin_prints_labels_and_rotates_codes(practice, admin_site):
    client = admin_site
    response = client.post("/admin/standards/practicepoint/",
                           {"action": "print_labels", "_selected_action": [practice.point.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.post("/admin/standards/practicepoint/", {"action": "rotate_codes", "_selected_action": [practice.point.pk]})
    assert qr_of(practice.point) != practice.code


def test_a_point_added_in_the_admin_gets_a_code(practice, admin_site):
    client = admin_site
    response = client.post("/admin/standards/practicepoint/add/", {
        "name": "AHU-2 空调机组", "code": "HVAC-09", "studio": practice.org.hvac.pk, "location_text": "3F 空调机房",
        "procedures": [practice.procedure.pk], "is_active": "on", "description": "",
        "qr_codes-TOTAL_FORMS": "0", "qr_codes-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content[:2000]
    point = practice.point.__class__.objects.get(code="HVAC-09")
    assert qr_of(point) and practice.client(practice.worker).get(f"scan/{qr_of(point)}").status_code == 200


def test_standards_catalogue(practice):
    body = practice.client(practice.worker).get("standards").json()
    assert body == [{
        "id": practice.procedure.standard_id, "code": "GB 50365-2019", "title": "空调通风系统运行管理标准",
        "level": "national", "level_display": "国家标准", "category": "operations", "category_display": "运行管理",
        "status": "effective", "status_display": "现行有效", "version": "", "effective_date": None,
        "procedures": [{"id": practice.procedure.pk, "code": "SOP-T-001", "title": "冷水机组日常巡检",
                        "version_id": practice.version.pk}],
    }]


def test_dispatchers_manage_points_in_their_scope(practice, make_user):
    dispatcher = make_user("吴敏", roles=[(Role.DISPATCHER, practice.org.base)])
    assert [p["code"] for p in practice.client(dispatcher).get("points").json()["items"]] == ["HVAC-01"]
