"""Compact JWS with EdDSA (RFC 7515, RFC 8037), as VC-JOSE-COSE secures a credential: the protected
header says `alg: EdDSA`, the `kid` of the issuer's key, `typ: vc+jwt` and `cty: vc`; the payload is the
credential itself (VCDM 2.0 JSON-LD, unchanged). About 20 lines, so no library: what verifies it in the
tests is one we did not write (jwcrypto)."""

from __future__ import annotations

import json

from .keys import IssuerKey, b64url, b64url_decode

MEDIA_TYPE = "application/vc+jwt"


def sign(payload: dict, key: IssuerKey, *, typ: str = "vc+jwt") -> str:
    header = {"alg": "EdDSA", "kid": key.kid, "typ": typ, "cty": "vc"}
    signing_input = ".".join(b64url(json.dumps(part, ensure_ascii=False, separators=(",", ":")).encode())
                             for part in (header, payload))
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def payload_of(token: str) -> dict:
    """The claims of a token this app issued and stored (not a verification: see the tests for that)."""
    return json.loads(b64url_decode(token.split(".")[1]))
