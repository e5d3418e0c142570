"""获奖证书: one per winner of a published event, verifiable like the 出师 certificate (docs/adr/0074).

The same verification codes (credentials.codes), the same public check `GET /api/v1/certificates/{code}`
(apprenticeships serves that path and asks `by_code` here when the code is no 出师 certificate), the same
page `/c/<code>` with a QR of the verify URL, and an OpenBadgeCredential signed by the credentials app
(`reference = competitions.award:<certificate id>`, `kind = award`). A republication that changes a
winner's award revokes the certificate (and its credential's status bit) and issues a new one.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw

from credentials import selectors as credential_selectors
from credentials import services as credential_services
from credentials.codes import (
    chinese_date,
    credential_path,
    grouped,
    new_code,
    normalise,
    png_path,
    verify_url,
)
from credentials.subjects import name_identifier, subject_id
from miniprogram_api.errors import ApiError
from standards.labels import font, qr_image, wrap_text

from .models import Award, AwardCertificate, Event, PublishedResult

DPI = 150
WIDTH, HEIGHT = round(297 / 25.4 * DPI), round(210 / 25.4 * DPI)  # A4 landscape
GOLD = (160, 110, 20)
RED = (150, 20, 20)
INK = (30, 30, 30)


def reference(certificate: AwardCertificate) -> str:
    return f"competitions.award:{certificate.pk}"


# --- issuing and revoking (inside the publishing transaction) ---------------------------------------------
def follow(*, event: Event, result: PublishedResult, awards: list[Award]) -> None:
    """Make the event's certificates match `awards` (the awards of `result`): keep a certificate whose
    award is unchanged, revoke one whose award changed or is gone, issue one for each new award."""
    valid = {c.entry_id: c for c in AwardCertificate.objects.filter(award__event=event, revoked_at__isnull=True)}
    now = timezone.now()
    wanted = {a.entry_id: a for a in awards}
    for entry_id, certificate in valid.items():
        award = wanted.get(entry_id)
        if award is not None and award.tier == certificate.tier:
            continue
        becomes = f"变为“{award.tier}”" if award is not None else "不再获奖"
        revoke(certificate, reason=f"成绩更正（第 {result.version} 版）：奖项由“{certificate.tier}”{becomes}", at=now)
    for entry_id, award in wanted.items():
        kept = valid.get(entry_id)
        if kept is not None and kept.tier == award.tier:
            continue
        issue(award, at=now)


def issue(award: Award, *, at=None) -> AwardCertificate:
    entry = award.entry
    event = award.event
    certificate = AwardCertificate.objects.create(
        code=new_code(), award=award, entry=entry, contestant_name=entry.contestant.name,
        unit_name=entry.org_unit.name if entry.org_unit else "", contest_name=event.contest.name,
        event_name=event.name, tier=award.tier, issued_at=at or timezone.now())
    issue_credential(certificate, contestant_id=entry.contestant_id)
    return certificate


def revoke(certificate: AwardCertificate, *, reason: str, at=None) -> AwardCertificate:
    if certificate.revoked_at is None:
        certificate.revoked_at, certificate.revoked_reason = at or timezone.now(), reason
        certificate.save(update_fields=["revoked_at", "revoked_reason"])
    credential_services.revoke(reference=reference(certificate), reason=certificate.revoked_reason,
                               at=certificate.revoked_at)
    return certificate


def issue_credential(certificate: AwardCertificate, *, contestant_id: int):
    """The certificate as an OpenBadgeCredential (Open Badges 3.0; docs/adr/0087 and 0074)."""
    achievement = {
        "id": f"urn:shixun:achievement:contest-award:{certificate.award.event_id}:{certificate.award.tier_order}",
        "type": ["Achievement"],
        "achievementType": "Award",
        "name": f"{certificate.contest_name} · {certificate.event_name} · {certificate.tier}",
        "description": f"在{certificate.contest_name}“{certificate.event_name}”项目中获得{certificate.tier}。",
        "criteria": {"narrative": "按公布的成绩名次及该项目的设奖规则（获奖比例或名次人数，同分同奖）评定；"
                                  "成绩更正后奖项变化的，原证书撤销并重新发证。"},
        "creator": {"id": credential_services.issuer_profile()["id"], "type": ["Profile"],
                    "name": settings.CREDENTIALS_ISSUER_NAME},
    }
    subject = {
        "id": subject_id(contestant_id),
        "identifier": [name_identifier(certificate.contestant_name, certificate.code)],
        "result": [{"type": ["Result"], "value": certificate.tier}],
    }
    return credential_services.issue_open_badge(
        reference=reference(certificate), kind="award", credential_id=verify_url(certificate.code),
        name=f"获奖证书 · {certificate.tier}", subject=subject, achievement=achievement,
        description=f"证书编号 {grouped(certificate.code)}，{certificate.event_name} {certificate.tier}。",
        valid_from=certificate.issued_at)


# --- the public check ------------------------------------------------------------------------------------
def by_code(raw: str) -> AwardCertificate | None:
    """The award certificate with this code (any case, grouped or not), None when there is none; a
    revoked one answers 410 as a revoked 出师 certificate does."""
    code = normalise(raw)
    certificate = AwardCertificate.objects.filter(code=code).select_related("award").first() if code else None
    if certificate is not None and certificate.revoked_at is not None:
        raise ApiError("certificate_revoked", "该证书已被撤销", status=410,
                       detail={"revoked_at": certificate.revoked_at.isoformat(), "reason": certificate.revoked_reason})
    return certificate


def credential_out(certificate: AwardCertificate) -> dict | None:
    credential = credential_selectors.credential_for(reference(certificate))
    if credential is None:
        return None
    return {"format": "application/vc+jwt", "url": credential_path(certificate.code), "jwt": credential.jwt,
            "id": credential.credential_id, "issuer": credential_services.issuer_profile()["id"],
            "key_id": credential.key_id,
            "status_list_url": credential_services.status_list_url(credential.status_list_id),
            "status_index": credential.status_index}


def verification_out(certificate: AwardCertificate) -> dict:
    return {
        "valid": True, "kind": "award", "code": certificate.code, "contestant_name": certificate.contestant_name,
        "unit_name": certificate.unit_name, "contest_name": certificate.contest_name,
        "event_name": certificate.event_name, "tier": certificate.tier, "rank": certificate.award.rank,
        "result_version": certificate.award.result.version, "issued_at": certificate.issued_at,
        "issued_on": timezone.localdate(certificate.issued_at), "png_url": png_path(certificate.code),
        "credential": credential_out(certificate),
    }


def render_png(certificate: AwardCertificate) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 252, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, WIDTH - 41, HEIGHT - 41), outline=GOLD, width=10)
    draw.rectangle((62, 62, WIDTH - 63, HEIGHT - 63), outline=GOLD, width=3)
    draw.text((WIDTH // 2, 120), " ".join("荣誉证书"), font=font(110), fill=RED, anchor="mt")
    body = (f"{certificate.contestant_name}同志（{certificate.unit_name or '—'}）在{certificate.contest_name}"
            f"“{certificate.event_name}”项目中成绩优异，荣获{certificate.tier}。特发此证，以资鼓励。")
    face = font(46)
    left, y = 190, 330
    for line in wrap_text(body, face, WIDTH - 2 * left):
        draw.text((left, y), line, font=face, fill=INK)
        y += 72
    draw.text((WIDTH // 2, max(y + 30, 600)), certificate.tier, font=font(90), fill=RED, anchor="mt")
    small = font(32)
    y = 820
    for label, value in (("证书编号", grouped(certificate.code)),
                         ("发证日期", chinese_date(timezone.localdate(certificate.issued_at))),
                         ("发证单位", settings.CREDENTIALS_ISSUER_NAME)):
        draw.text((left, y), f"{label}：{value}", font=small, fill=INK)
        y += 52
    qr = qr_image(verify_url(certificate.code), 300).convert("RGB")
    x, top = WIDTH - 150 - qr.width, 890
    image.paste(qr, (x, top - qr.height // 2))
    draw.text((x + qr.width // 2, top + qr.height // 2 + 12), "微信扫码验证真伪", font=font(26), fill=INK, anchor="mt")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(DPI, DPI), optimize=True)
    return buffer.getvalue()
