"""出师证书: unguessable verification codes, the public verify link, and the PNG certificate.

A code is 16 characters from a 32-letter alphabet without look-alikes (no I, O, 0, 1): 80 random bits,
so a forged code is simply not found. It is printed in groups of four; lookups accept it with or
without dashes and in any case. The PNG is an A4 landscape page at 150 dpi drawn with the CJK font the
labels use (WenQuanYi Micro Hei, `LABEL_FONT_PATHS`), with a QR code of the public verify URL.
"""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image, ImageDraw

from credentials import selectors as credential_selectors
from credentials import services as credential_services
from credentials.codes import (  # noqa: F401 (re-exported)
    ALPHABET,
    LENGTH,
    chinese_date,
    credential_path,
    grouped,
    new_code,
    normalise,
    png_path,
    verify_path,
    verify_url,
)
from credentials.models import IssuedCredential
from credentials.subjects import name_identifier, subject_id  # noqa: F401 (re-exported)
from standards.labels import font, qr_image, wrap_text

from .models import Certificate

DPI = 150
WIDTH, HEIGHT = round(297 / 25.4 * DPI), round(210 / 25.4 * DPI)  # A4 landscape
RED = (150, 20, 20)
INK = (30, 30, 30)


def reference(code: str) -> str:
    """What the credentials app calls this certificate."""
    return f"apprenticeships.certificate:{code}"


def _centered(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill=INK, spacing: int = 0) -> None:
    face = font(size)
    if spacing:
        text = (" " * spacing).join(text)
    draw.text((WIDTH // 2, y), text, font=face, fill=fill, anchor="mt")


def render_png(certificate: Certificate) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 252, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, WIDTH - 41, HEIGHT - 41), outline=RED, width=10)
    draw.rectangle((62, 62, WIDTH - 63, HEIGHT - 63), outline=RED, width=3)

    _centered(draw, 120, "出师证书", 110, fill=RED, spacing=1)
    _centered(draw, 260, "师带徒培养结业证明", 40)

    issued = timezone.localdate(certificate.issued_at)
    body = (f"{certificate.apprentice_name}同志于{chinese_date(certificate.start_date)}至"
            f"{chinese_date(certificate.end_date)}在{certificate.studio_name}跟随{certificate.master_name}师傅学习，"
            f"完成“{certificate.get_target_level_display()}”培养计划全部 {certificate.competencies} 项能力的"
            f"考核与确认，出师评价为“{certificate.get_grade_display()}”，准予出师。特发此证。")
    face = font(42)
    left, text_width = 190, WIDTH - 2 * 190
    y = 380
    for line in wrap_text(body, face, text_width):
        draw.text((left, y), line, font=face, fill=INK)
        y += 66

    small = font(32)
    rows = [("证书编号", grouped(certificate.code)), ("技能等级", certificate.get_target_level_display()),
            ("出师等级", certificate.get_grade_display()), ("发证日期", chinese_date(issued))]
    y = max(y + 40, 760)
    for label, value in rows:
        draw.text((left, y), f"{label}：{value}", font=small, fill=INK)
        y += 52
    draw.text((left, y + 30), f"发证单位：{certificate.studio_name}", font=small, fill=INK)

    side = 300
    qr = qr_image(verify_url(certificate.code), side).convert("RGB")
    x, top = WIDTH - 150 - qr.width, 890
    image.paste(qr, (x, top - qr.height // 2))
    draw.text((x + qr.width // 2, top + qr.height // 2 + 12), "微信扫码验证真伪", font=font(26), fill=INK, anchor="mt")
    if certificate.revoked_at is not None:
        draw.text((WIDTH // 2, HEIGHT // 2), "已撤销", font=font(220), fill=(200, 0, 0), anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()


def verification_out(certificate: Certificate) -> dict:
    """What the public check answers (and the certificate page shows)."""
    return {
        "valid": True, "code": certificate.code, "apprentice_name": certificate.apprentice_name,
        "master_name": certificate.master_name, "studio_name": certificate.studio_name,
        "target_level": certificate.target_level, "target_level_label": certificate.get_target_level_display(),
        "grade": certificate.grade, "grade_label": certificate.get_grade_display(),
        "start_date": certificate.start_date, "end_date": certificate.end_date,
        "competencies": certificate.competencies, "issued_at": certificate.issued_at,
        "issued_on": timezone.localdate(certificate.issued_at), "png_url": png_path(certificate.code),
        "credential": credential_out(certificate),
    }


# --- the verifiable credential (Open Badges 3.0, vc+jwt; docs/adr/0087) ---------------------------------
def issue_credential(certificate: Certificate, *, apprentice_id: int) -> IssuedCredential:
    """Sign the certificate as an OpenBadgeCredential (within the caller's transaction)."""
    from .models import Agreement

    level, grade = certificate.get_target_level_display(), certificate.get_grade_display()
    achievement = {
        "id": f"urn:shixun:achievement:apprenticeship:{certificate.target_level}",
        "type": ["Achievement"],
        "achievementType": "ApprenticeshipCertificate",
        "name": f"师带徒出师：{level}",
        "description": f"在机关事务实训基地工作室跟随师傅完成“{level}”培养计划全部能力项的考核与确认，准予出师。",
        "criteria": {"narrative": "培养计划中每一项能力经师傅评定、工作室负责人确认；出师评价由徒弟、师傅、负责人"
                                  "三方签字；理论与实操成绩不低于 60 分。"},
        "resultDescription": [{"id": "urn:shixun:result:apprenticeship-grade", "type": ["ResultDescription"],
                               "name": "出师等级", "resultType": "LetterGrade",
                               "allowedValue": [label for _, label in Agreement.Grade.choices]}],
        "creator": {"id": credential_services.issuer_profile()["id"], "type": ["Profile"],
                    "name": certificate.studio_name},
    }
    subject = {
        "id": subject_id(apprentice_id),
        "identifier": [name_identifier(certificate.apprentice_name, certificate.code)],
        "activityStartDate": f"{certificate.start_date.isoformat()}T00:00:00+08:00",
        "activityEndDate": f"{certificate.end_date.isoformat()}T23:59:59+08:00",
        "result": [{"type": ["Result"], "resultDescription": "urn:shixun:result:apprenticeship-grade",
                    "value": grade}],
    }
    return credential_services.issue_open_badge(
        reference=reference(certificate.code), kind="apprenticeship", credential_id=verify_url(certificate.code),
        name=f"出师证书 · {level}", description=f"证书编号 {grouped(certificate.code)}，出师等级“{grade}”。",
        subject=subject, achievement=achievement, valid_from=certificate.issued_at)


def credential_out(certificate: Certificate) -> dict | None:
    credential = credential_selectors.credential_for(reference(certificate.code))
    if credential is None:
        return None
    return {"format": "application/vc+jwt", "url": credential_path(certificate.code), "jwt": credential.jwt,
            "id": credential.credential_id, "issuer": credential_services.issuer_profile()["id"],
            "key_id": credential.key_id,
            "status_list_url": credential_services.status_list_url(credential.status_list_id),
            "status_index": credential.status_index}
