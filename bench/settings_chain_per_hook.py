"""Shixun's settings as before issue 13 (no OneThreadHop at the bottom of the chain), for measuring
what the barrier changes side by side. Benchmarks only."""

from backend.settings import *  # noqa: F403
from backend.settings import MIDDLEWARE

MIDDLEWARE = [m for m in MIDDLEWARE if m != "backend.middleware.OneThreadHop"]
