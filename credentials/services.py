"""Issuing and revoking credentials. Callers (apprenticeships today, competitions' award certificates
later) describe what is certified; this app signs it, gives it a status-list index and stores it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import jose
from .keys import issuer_did, issuer_key
from .models import IssuedCredential, Revocation, StatusList

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
OB_SCHEMA = {"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
             "type": "1EdTechJsonSchemaValidator2019"}


def iso(moment: datetime) -> str:
    """XML Schema dateTime in UTC, second precision (what VCDM's validFrom takes)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def status_list_url(list_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}/credentials/status/{list_id}"


def issuer_profile() -> dict:
    return {"id": issuer_did(), "type": ["Profile"], "name": settings.CREDENTIALS_ISSUER_NAME,
            "url": settings.PUBLIC_BASE_URL}


def _allocate() -> tuple[StatusList, int]:
    """A random free index (the specification asks for random assignment) in the open list; a list
    takes at most half its size so that random picks stay cheap."""
    size = max(settings.CREDENTIALS_STATUS_LIST_SIZE, 8)
    status_list = (StatusList.objects.select_for_update().filter(next_index__lt=size // 2).order_by("id").first()
                   or StatusList.objects.create(size=size))
    used = set(IssuedCredential.objects.filter(status_list=status_list).values_list("status_index", flat=True))
    index = secrets.randbelow(status_list.size)
    while index in used:
        index = secrets.randbelow(status_list.size)
    status_list.next_index += 1
    status_list.save(update_fields=["next_index"])
    return status_list, index


@transaction.atomic
def issue_open_badge(*, reference: str, kind: str, credential_id: str, name: str, subject: dict,
                     achievement: dict, valid_from: datetime, description: str = "") -> IssuedCredential:
    """Sign an OpenBadgeCredential (Open Badges 3.0) for `subject` (an AchievementSubject without its
    `type` and `achievement`: an `id` that is no phone or openid, optional `identifier`s) and store it.
    Issuing again for the same `reference` returns the stored credential unchanged."""
    existing = IssuedCredential.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    key = issuer_key()
    status_list, index = _allocate()
    list_url = status_list_url(status_list.pk)
    credential: dict = {
        "@context": CONTEXTS,
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "validFrom": iso(valid_from),
        "name": name,
        "credentialSubject": {**subject, "type": ["AchievementSubject"], "achievement": achievement},
        "credentialStatus": {"id": f"{list_url}#{index}", "type": "BitstringStatusListEntry",
                             "statusPurpose": "revocation", "statusListIndex": str(index),
                             "statusListCredential": list_url},
        "credentialSchema": [OB_SCHEMA],
    }
    if description:
        credential["description"] = description
    try:
        with transaction.atomic():
            return IssuedCredential.objects.create(
                reference=reference, credential_id=credential_id, kind=kind, status_list=status_list,
                status_index=index, key_id=key.kid, jwt=jose.sign(credential, key), issued_at=timezone.now())
    except IntegrityError:  # the same reference issued concurrently: the first one stands
        return IssuedCredential.objects.get(reference=reference)


@transaction.atomic
def revoke(*, reference: str, reason: str = "", at: datetime | None = None) -> Revocation | None:
    """Set the credential's bit in its status list (once; revoking again changes nothing). None when no
    credential was issued for `reference`."""
    credential = IssuedCredential.objects.filter(reference=reference).first()
    if credential is None:
        return None
    existing = Revocation.objects.filter(credential=credential).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Revocation.objects.create(credential=credential, revoked_at=at or timezone.now(),
                                             reason=reason.strip())
    except IntegrityError:
        return Revocation.objects.get(credential=credential)
