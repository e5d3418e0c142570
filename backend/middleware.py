"""The innermost middleware: one thread hop per request under ASGI instead of one per middleware hook.

Under ASGI, Django runs an async-capable `MiddlewareMixin` middleware in async mode and calls each of
its hooks (process_request, process_view, process_response, …) through `sync_to_async`: about 14 hops
to a thread per request for our chain, then one more for the view. py-spy put ~55 % of the on-CPU
time of `GET /api/v1/ping` under uvicorn in that hand-off (issue 13). A sync-only middleware at the
bottom of the chain makes Django build the whole chain in sync mode and adapt it once at the top: the
request enters one thread, runs every middleware and the view there, and comes back. Under WSGI it is
a plain call and does nothing. Measured in docs/PERFORMANCE.md ("Serving HTTP").
"""

from __future__ import annotations


class OneThreadHop:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
