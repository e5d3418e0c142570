"""The issuer key from the environment (PEM or private JWK) or generated once into var/, a loud failure
without one in production, the published JWKS matching the signing key, the bitstring's bit order, and
credentials being append-only facts. Verified with jwcrypto, which this project did not write."""

import json
import stat
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from jwcrypto import jwk, jws

from credentials import bitstring, jose, services
from credentials.keys import b64url, issuer_key
from credentials.models import IssuedCredential, Revocation
from miniprogram_api.append_only import AppendOnlyError


@pytest.fixture
def key_file(settings, tmp_path):
    settings.CREDENTIALS_ISSUER_KEY = ""
    settings.CREDENTIALS_KEY_FILE = tmp_path / "credentials" / "issuer.pem"
    settings.CREDENTIALS_GENERATE_KEY = True
    return settings.CREDENTIALS_KEY_FILE


def test_the_demo_generates_a_key_once_and_keeps_it(key_file):
    first = issuer_key()
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"PRIVATE KEY" in key_file.read_bytes()
    from credentials.keys import _load

    _load.cache_clear()
    assert issuer_key().public_jwk == first.public_jwk  # read back, not regenerated
    assert first.kid.startswith("did:web:127.0.0.1%3A8000#")


def test_production_without_a_key_refuses_to_sign(settings, tmp_path):
    settings.CREDENTIALS_ISSUER_KEY = ""
    settings.CREDENTIALS_KEY_FILE = tmp_path / "missing.pem"
    settings.CREDENTIALS_GENERATE_KEY = False
    with pytest.raises(ImproperlyConfigured, match="CREDENTIALS_ISSUER_KEY"):
        issuer_key()
    assert not (tmp_path / "missing.pem").exists()


@pytest.mark.parametrize("form", ["pem", "jwk"])
def test_a_key_from_the_environment_signs_and_the_jwks_publishes_it(settings, form):
    private = Ed25519PrivateKey.generate()
    if form == "pem":
        settings.CREDENTIALS_ISSUER_KEY = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    else:
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        settings.CREDENTIALS_ISSUER_KEY = json.dumps({"kty": "OKP", "crv": "Ed25519", "d": b64url(raw),
                                                      "x": b64url(public)})
    settings.CREDENTIALS_ISSUER_DID = "did:web:shixun.example.gov.cn"
    token = jose.sign({"hello": "世界"}, issuer_key())
    published = Client().get("/.well-known/jwks.json")
    assert published["Content-Type"] == "application/jwk-set+json"
    keys = jwk.JWKSet.from_json(published.content)
    envelope = jws.JWS()
    envelope.deserialize(token)
    key = keys.get_key(issuer_key().kid)
    envelope.verify(key, alg="EdDSA")
    assert json.loads(envelope.payload) == {"hello": "世界"}
    # RFC 7638 thumbprint as the kid's fragment, as an independent library computes it.
    assert issuer_key().kid == f"did:web:shixun.example.gov.cn#{key.thumbprint()}"
    assert "d" not in published.json()["keys"][0]  # never the private part
    did = Client().get("/.well-known/did.json")
    assert did["Content-Type"] == "application/did+json" and "d" not in did.json()["verificationMethod"][0]["publicKeyJwk"]


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    import gzip

    from credentials.keys import b64url_decode

    encoded = bitstring.encode(bitstring.MIN_SIZE, [0, 9, 131_071])
    data = gzip.decompress(b64url_decode(encoded[1:]))
    assert len(data) == 16_384 and data[0] == 0x80 and data[1] == 0x40 and data[-1] == 0x01
    assert [i for i in (0, 1, 8, 9, 131_070, 131_071) if bitstring.is_set(encoded, i)] == [0, 9, 131_071]


@pytest.mark.django_db
def test_credentials_are_append_only_and_issue_and_revoke_once(key_file):
    kwargs = dict(reference="competitions.award:1", kind="award", credential_id="urn:uuid:1",
                  name="技能比武一等奖", subject={"id": "urn:uuid:s"}, valid_from=datetime(2026, 5, 1, tzinfo=UTC),
                  achievement={"id": "urn:shixun:achievement:award:1", "type": ["Achievement"], "name": "一等奖",
                               "description": "技能比武一等奖", "criteria": {"narrative": "总分第一"}})
    first = services.issue_open_badge(**kwargs)
    assert services.issue_open_badge(**kwargs).pk == first.pk and IssuedCredential.objects.count() == 1
    second = services.issue_open_badge(**{**kwargs, "reference": "competitions.award:2", "credential_id": "urn:uuid:2"})
    assert second.status_list_id == first.status_list_id and second.status_index != first.status_index
    with pytest.raises(AppendOnlyError):
        first.save()
    with pytest.raises(AppendOnlyError):
        first.delete()
    revocation = services.revoke(reference="competitions.award:1", reason="成绩更正")
    assert services.revoke(reference="competitions.award:1").pk == revocation.pk
    assert services.revoke(reference="nothing:here") is None
    token = Client().get(f"/credentials/status/{first.status_list_id}").content.decode()
    encoded = jose.payload_of(token)["credentialSubject"]["encodedList"]
    assert bitstring.is_set(encoded, first.status_index) and not bitstring.is_set(encoded, second.status_index)
    assert Revocation.objects.count() == 1
    missing = Client().get("/credentials/status/999")
    assert missing.status_code == 404 and missing.json()["code"] == "status_list_not_found"
