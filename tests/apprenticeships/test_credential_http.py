"""A 出师 credential verified the way an outside verifier does it, over real HTTP (issue 18): uvicorn serves
the issuer's did:web document, its JWKS and the status list; jwcrypto (a library this project did not
write) checks the signatures with the key the did:web document publishes; the revocation bit is read
from the gzip'd bitstring with the standard library alone. A revoked credential fails."""

from __future__ import annotations

import base64
import gzip
import json
import socket
from datetime import date
from urllib.parse import unquote

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwk, jws

from apprenticeships import services
from apprenticeships.models import Certificate
from tests.e2e.servers import live_database_url, server_env, start_uvicorn, stop

PORTS = range(8201, 8220)  # this branch's ports


class Revoked(Exception):
    pass


def a_free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 8201-8219")


def did_web_document_url(did: str) -> str:
    """did:web → the document's URL (W3C did:web method, "Read (Resolve)"): the method-specific id with
    "%3A" decoded to ":", then /.well-known/did.json. On loopback the test server speaks plain HTTP."""
    assert did.startswith("did:web:")
    host = unquote(did.removeprefix("did:web:").split(":")[0])
    return f"http://{host}/.well-known/did.json"


def bit(encoded_list: str, index: int) -> bool:
    """Bitstring Status List v1.0: multibase base64url ("u"), GZIP, index 0 = the first byte's high bit."""
    assert encoded_list.startswith("u")
    raw = encoded_list[1:]
    data = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    return bool((data[index // 8] >> (7 - index % 8)) & 1)


def verify_over_http(token: str) -> dict:
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=" * (-len(token.split(".")[1]) % 4)))
    issuer = payload["issuer"]["id"]
    document = requests.get(did_web_document_url(issuer), timeout=10)
    assert document.status_code == 200, document.text
    did = document.json()
    assert did["id"] == issuer and header["kid"] in did["assertionMethod"]
    method = next(m for m in did["verificationMethod"] if m["id"] == header["kid"])
    key = jwk.JWK(**method["publicKeyJwk"])
    # The JWKS at the well-known URL publishes the same key.
    jwks = jwk.JWKSet.from_json(requests.get(f"http://{unquote(issuer.split(':')[2])}/.well-known/jwks.json",
                                             timeout=10).text)
    assert jwks.get_key(header["kid"]).thumbprint() == key.thumbprint()

    def checked(compact: str) -> dict:
        envelope = jws.JWS()
        envelope.deserialize(compact)
        envelope.verify(key, alg="EdDSA")  # raises InvalidJWSSignature
        return json.loads(envelope.payload)

    credential = checked(token)
    status = credential["credentialStatus"]
    listed = requests.get(status["statusListCredential"], timeout=10)
    assert listed.status_code == 200 and listed.headers["Content-Type"] == "application/vc+jwt"
    status_list = checked(listed.text)
    assert status_list["issuer"]["id"] == issuer
    if bit(status_list["credentialSubject"]["encodedList"], int(status["statusListIndex"])):
        raise Revoked(status["statusListIndex"])
    return credential


@pytest.mark.e2e
def test_a_credential_verifies_over_http_and_a_revoked_one_fails(postgres, teaching, clock, settings):
    port = a_free_port()
    base = f"http://127.0.0.1:{port}"
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()).decode()
    # This process issues (the service under test) and the server publishes, with the same key and URL.
    settings.PUBLIC_BASE_URL, settings.CREDENTIALS_ISSUER_KEY = base, pem
    clock.set(date(2026, 3, 2))
    agreement = teaching.create(start=date(2026, 3, 2))
    teaching.sign_off_everything(agreement)
    teaching.review(agreement["id"], final=True)
    clock.set(date(2027, 2, 26))
    done = teaching.client(teaching.leader).post(f"apprenticeships/{agreement['id']}/complete",
                                                 {"grade": "excellent"}).json()
    code = done["certificate"]["code"]

    server = start_uvicorn(port, server_env(DATABASE_URL=live_database_url(), PUBLIC_BASE_URL=base,
                                            CREDENTIALS_ISSUER_KEY=pem, DEBUG="0", DB_POOL_MIN="1", DB_POOL_MAX="2"))
    try:
        answer = requests.get(f"{base}/api/v1/certificates/{code}", timeout=10).json()
        token = answer["credential"]["jwt"]
        assert answer["credential"]["issuer"] == f"did:web:127.0.0.1%3A{port}"
        credential = verify_over_http(token)
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert requests.get(base + answer["credential"]["url"], timeout=10).text == token

        services.revoke_certificate(certificate_id=Certificate.objects.get(code=code).pk, reason="测试撤销")
        with pytest.raises(Revoked):
            verify_over_http(token)
        tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        with pytest.raises(jws.InvalidJWSSignature):
            verify_over_http(tampered)
    finally:
        stop(server)
