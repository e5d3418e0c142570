"""Training fixtures: the people (learner, trainer, leader, admin, outsider), a frozen clock, courses and
exams built by tests/training/kit.py."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from tests.apprenticeships.conftest import Clock
from tests.practice import admin_site, practice  # noqa: F401 - shared fixtures

from .kit import People


@pytest.fixture
def clock(monkeypatch, settings):
    settings.API_TOKEN_TTL_SECONDS = 20 * 365 * 24 * 3600
    frozen = Clock(timezone.make_aware(datetime(2026, 3, 2, 10, 0)))
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def people(org, make_user, api, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.RATE_LIMITS = {key: "100000/60" for key in settings.RATE_LIMITS}
    return People(org, make_user, api)
