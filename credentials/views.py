"""Public, unauthenticated documents a verifier fetches: the issuer's did:web document and JWKS, and each
status list credential (application/vc+jwt). Plain Django views: they live at fixed well-known paths
outside /api/v1."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from miniprogram_api.envelope import error_response
from miniprogram_api.errors import ApiError

from . import jose, selectors


def _public(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers (wallets) fetch these
    return response


@require_safe
def did_json(request: HttpRequest) -> HttpResponse:
    return _public(JsonResponse(selectors.did_document(), content_type="application/did+json"), 3600)


@require_safe
def jwks_json(request: HttpRequest) -> HttpResponse:
    return _public(JsonResponse(selectors.jwks(), content_type="application/jwk-set+json"), 3600)


@require_safe
def status_list(request: HttpRequest, list_id: int) -> HttpResponse:
    try:
        token = selectors.status_list_jwt(list_id)
    except ApiError as error:
        return error_response(error.status, error.code, error.message, error.detail)
    return _public(HttpResponse(token, content_type=jose.MEDIA_TYPE), 300)
