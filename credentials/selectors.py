"""Reads: a stored credential, the signed status list credential, the issuer's published key."""

from __future__ import annotations

from django.utils import timezone

from miniprogram_api.errors import ApiError

from . import bitstring, jose
from .keys import issuer_did, issuer_key
from .models import IssuedCredential, Revocation, StatusList
from .services import iso, issuer_profile, status_list_url


def credential_for(reference: str) -> IssuedCredential | None:
    return IssuedCredential.objects.filter(reference=reference).first()


def status_list_jwt(list_id: int) -> str:
    """The BitstringStatusListCredential of a list, signed now with the issuer key (vc+jwt)."""
    status_list = StatusList.objects.filter(pk=list_id).first()
    if status_list is None:
        raise ApiError("status_list_not_found", "状态列表不存在", status=404)
    revoked = Revocation.objects.filter(credential__status_list=status_list) \
        .values_list("credential__status_index", flat=True)
    url = status_list_url(status_list.pk)
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(),
        "validFrom": iso(timezone.now()),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": status_list.purpose,
                              "encodedList": bitstring.encode(status_list.size, revoked)},
    }
    return jose.sign(credential, issuer_key())


def jwks() -> dict:
    return {"keys": [issuer_key().public_jwk]}


def did_document() -> dict:
    """did:web document: one JsonWebKey2020 verification method, used for assertions (signing VCs)."""
    did, key = issuer_did(), issuer_key()
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
        "id": did,
        "verificationMethod": [{"id": key.kid, "type": "JsonWebKey2020", "controller": did,
                                "publicKeyJwk": {k: v for k, v in key.public_jwk.items() if k != "kid"}}],
        "assertionMethod": [key.kid],
        "authentication": [key.kid],
    }
