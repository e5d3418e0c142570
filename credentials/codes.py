"""Verification codes of printed certificates (出师 and award certificates alike): 16 characters from a
32-letter alphabet without look-alikes (no I, O, 0, 1), 80 random bits, so a forged code is simply not
found. Printed in groups of four; lookups accept it with or without dashes and in any case."""

from __future__ import annotations

import re
import secrets

from django.conf import settings

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 16
CODE_RE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str | None:
    """The code as stored, or None when it cannot be one (then nothing is looked up)."""
    code = re.sub(r"[\s-]", "", raw or "").upper()
    return code if CODE_RE.match(code) else None


def grouped(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# --- where a certificate is checked (apprenticeships serves these paths for every kind of certificate) -------
def verify_path(code: str) -> str:
    return f"/api/v1/certificates/{code}"


def verify_url(code: str) -> str:
    """The public check printed as the certificate's QR (PUBLIC_BASE_URL, so it follows the demo's PORT)."""
    return f"{settings.PUBLIC_BASE_URL}{verify_path(code)}"


def png_path(code: str) -> str:
    return f"/api/v1/certificates/{code}.png"


def credential_path(code: str) -> str:
    return f"/api/v1/certificates/{code}/credential"


def chinese_date(day) -> str:
    """A date as certificates print it: 2026年12月1日."""
    return f"{day.year}年{day.month}月{day.day}日"
