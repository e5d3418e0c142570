"""The issuer's Ed25519 key pair (docs/adr/0088).

Production sets `CREDENTIALS_ISSUER_KEY` (a PKCS#8 PEM or a private OKP JWK, from a secret store). Without
it the key is read from `CREDENTIALS_KEY_FILE` (default `var/credentials/issuer-ed25519.pem`, outside git);
when that file does not exist and `CREDENTIALS_GENERATE_KEY` is on (the demo, tests), one is generated and
written there (mode 0600) on first use. With neither, issuing fails loudly rather than signing with a
throw-away key that no verifier could ever resolve again.

The public key is published as a JWK (RFC 8037, `kty: OKP`, `crv: Ed25519`) whose `kid` is the issuer's
DID URL with the RFC 7638 thumbprint as fragment: `did:web:<host>#<thumbprint>`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class IssuerKey:
    private: Ed25519PrivateKey
    public_jwk: dict
    kid: str

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def issuer_did() -> str:
    """`did:web:` of the public host (PUBLIC_BASE_URL unless CREDENTIALS_ISSUER_DID says otherwise); a port is
    percent-encoded as did:web requires."""
    if settings.CREDENTIALS_ISSUER_DID:
        return settings.CREDENTIALS_ISSUER_DID
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"did:web:{quote(host, safe='')}"


def _from_text(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("{"):
        jwk = json.loads(text)
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" not in jwk:
            raise ImproperlyConfigured("CREDENTIALS_ISSUER_KEY: a JWK must be a private OKP Ed25519 key")
        return Ed25519PrivateKey.from_private_bytes(b64url_decode(jwk["d"]))
    key = serialization.load_pem_private_key(text.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("CREDENTIALS_ISSUER_KEY must be an Ed25519 private key")
    return key


def _generate(path: Path) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # exclusive create: two processes starting together keep the one key that won
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _from_text(path.read_text())
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


@lru_cache(maxsize=4)
def _load(text: str, file: str, generate: bool, did: str) -> IssuerKey:
    if text:
        private = _from_text(text)
    else:
        path = Path(file)
        if path.is_file():
            private = _from_text(path.read_text())
        elif generate:
            private = _generate(path)
        else:
            raise ImproperlyConfigured(
                "No issuer key for verifiable credentials: set CREDENTIALS_ISSUER_KEY (PEM or private JWK) "
                f"or place one at {path} (docs/OPERATIONS.md, 可验证证书)")
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    x = b64url(raw)
    # RFC 7638: the required members in lexicographic order, no whitespace.
    thumbprint = b64url(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x},
                                                  separators=(",", ":"), sort_keys=True).encode()).digest())
    kid = f"{did}#{thumbprint}"
    return IssuerKey(private=private, kid=kid,
                     public_jwk={"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"})


def issuer_key() -> IssuerKey:
    return _load(settings.CREDENTIALS_ISSUER_KEY, str(settings.CREDENTIALS_KEY_FILE),
                 settings.CREDENTIALS_GENERATE_KEY, issuer_did())
