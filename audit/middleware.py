"""Every file download of data (an Excel export, a CSV) is an access-log entry: a response that is an
attachment, for a signed-in person. Apps need not remember to log their exports. Every answer that hands
a signed-in person somebody else's full phone number is one too (`PhoneAccessLog`)."""

from __future__ import annotations

import logging

from django.db import DatabaseError

from accounts.selectors import collecting_unmasked_phones

from .models import AccessLogEntry
from .services import record

SKIP = ("/api/v1/me/data-export",)  # recorded by privacy as a personal-data export


def _record_after_answer(what: str, **entry) -> None:
    """The answer has already been built and handed something out: a failing log write is reported, and
    must not turn that answer into a 500."""
    try:
        record(**entry)
    except DatabaseError:
        logging.getLogger("shixun.audit").exception("access log entry for %s failed", what)


class ExportAccessLog:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "") if hasattr(response, "get") else ""
        user = getattr(request, "user", None)
        if (disposition.startswith("attachment") and response.status_code == 200 and user is not None
                and user.is_authenticated and not request.path.startswith(SKIP)):
            _record_after_answer("an export", action=AccessLogEntry.Action.EXPORT, actor=user,
                                 target=request.get_full_path()[:200], request=request)
        return response


MAX_TARGETS = 500  # whose numbers an entry names (an export of the whole roster says how many beyond)


class PhoneAccessLog:
    """One `phone_unmasked` entry per successful answer that carried other people's full phone numbers
    (noted by `accounts.selectors.note_unmasked_phone` while the answer was built): who read them, from
    where, through which path, and whose (`detail.targets`, `detail.count`). The numbers themselves are
    never logged. An answer refused with 4xx/5xx handed nothing out and is not logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collecting_unmasked_phones() as revealed:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if revealed and response.status_code < 400 and user is not None and user.is_authenticated:
            targets = sorted(revealed)
            _record_after_answer("an unmasked phone", action=AccessLogEntry.Action.PHONE_UNMASKED, actor=user,
                                 target=request.path[:200], request=request,
                                 detail={"targets": targets[:MAX_TARGETS], "count": len(targets)})
        return response
