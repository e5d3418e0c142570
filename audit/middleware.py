"""Every file download of data (an Excel export, a CSV) is an access-log entry: a response that is an
attachment, for a signed-in person. Apps need not remember to log their exports."""

from __future__ import annotations

from django.db import DatabaseError

from .models import AccessLogEntry
from .services import record

SKIP = ("/api/v1/me/data-export",)  # recorded by privacy as a personal-data export


class ExportAccessLog:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "") if hasattr(response, "get") else ""
        user = getattr(request, "user", None)
        if (disposition.startswith("attachment") and response.status_code == 200 and user is not None
                and user.is_authenticated and not request.path.startswith(SKIP)):
            try:
                record(action=AccessLogEntry.Action.EXPORT, actor=user, target=request.get_full_path()[:200],
                       request=request)
            except DatabaseError:  # the export itself succeeded; the log line must not turn it into a 500
                import logging

                logging.getLogger("shixun.audit").exception("access log entry for an export failed")
        return response
