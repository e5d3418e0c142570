"""Evaluation fixtures: a frozen clock and the course world of tests/evaluations/kit.py."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from tests.apprenticeships.conftest import Clock

from .kit import World


@pytest.fixture
def clock(monkeypatch, settings):
    settings.API_TOKEN_TTL_SECONDS = 20 * 365 * 24 * 3600
    frozen = Clock(timezone.make_aware(datetime(2026, 3, 2, 10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def world(org, make_user, api, settings):
    settings.RATE_LIMITS = {key: "100000/60" for key in settings.RATE_LIMITS}
    return World(org, make_user, api)
