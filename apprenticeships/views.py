"""The page a person sees when they scan a certificate's QR code with a phone's camera or WeChat.

The QR encodes the public API URL (`/api/v1/certificates/<code>`); a browser asking for HTML is
redirected here, so the answer is a readable page instead of JSON (the API path keeps JSON errors)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from miniprogram_api.errors import ApiError

from . import certificates
from .api import certificate_answer, find_any_certificate


def certificate_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        certificate = find_any_certificate(request, code)
    except ApiError as error:
        return render(request, "apprenticeships/certificate.html", {"error": error}, status=error.status)
    return render(request, "apprenticeships/certificate.html",
                  {"certificate": certificate_answer(certificate), "grouped": certificates.grouped(certificate.code)})
