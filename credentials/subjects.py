"""How a credential names its holder without their phone, openid or account number (docs/adr/0087)."""

from __future__ import annotations

import hashlib

from django.utils.crypto import salted_hmac


def subject_id(user_id: int) -> str:
    """A stable pseudonym for the holder: the same person gets the same id on every certificate (出师 or
    award), and it says nothing about their phone, openid or account number to anyone without our key."""
    digest = salted_hmac("shixun.credentials.subject", str(user_id), algorithm="sha256").hexdigest()
    return f"urn:uuid:{digest[:8]}-{digest[8:12]}-8{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


def name_identifier(name: str, code: str) -> dict:
    """Open Badges IdentityObject: the name, hashed with a salt, so whoever knows the holder's name can
    check it is theirs while the credential alone does not spell it out."""
    salt = hashlib.sha256(f"shixun:{code}".encode()).hexdigest()[:16]
    return {"type": "IdentityObject", "identityType": "name", "hashed": True, "salt": salt,
            "identityHash": "sha256$" + hashlib.sha256(f"{name}{salt}".encode()).hexdigest()}
