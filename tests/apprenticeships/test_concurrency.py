"""Real concurrency (PostgreSQL): the agreement's row lock serialises what depends on its state, and
the unique client ids make a phone's parallel resends one row."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from apprenticeships import services
from apprenticeships.models import Certificate, Evidence
from miniprogram_api.errors import ApiError

from .conftest import new_id


def _in_thread(function):
    def run(argument):
        try:
            return function(argument)
        except ApiError as error:
            return error.code
        finally:
            connection.close()
    return run


def test_parallel_resends_log_hours_once_and_a_day_never_exceeds_24_hours(teaching, postgres):
    agreement = teaching.create(start=timezone.localdate())
    same = new_id()

    def log(client_id):
        evidence, _ = services.add_evidence(
            user=teaching.apprentice, agreement_id=agreement["id"], kind=Evidence.Kind.PRACTICE_HOURS,
            client_id=client_id, hours=Decimal("5"), description="并发")
        return evidence.pk

    with ThreadPoolExecutor(6) as pool:
        copies = list(pool.map(_in_thread(log), [same] * 6))
    assert len(set(copies)) == 1 and isinstance(copies[0], int)  # six copies of one request: one row
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(_in_thread(log), [new_id() for _ in range(8)]))
    # 5 hours logged already; the day's lock lets exactly three more 5-hour entries in.
    assert outcomes.count("too_many_hours") == 5
    assert sum(e.hours for e in Evidence.objects.filter(agreement_id=agreement["id"])) == Decimal("20")
    # A late copy of the first request still gets its row back, although the day is full now.
    assert log(same) == copies[0]


def test_two_leaders_completing_at_once_issue_one_certificate(teaching, postgres, make_user):
    agreement = teaching.create(start=date(2026, 1, 5))
    teaching.sign_off_everything(agreement)
    teaching.review(agreement["id"], final=True)
    other = make_user("副负责人", roles=[("workshop_leader", teaching.org.hvac)], unit=teaching.org.hvac)

    def complete(user):
        return services.complete(actor=user, agreement_id=agreement["id"], grade="pass").state

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(_in_thread(complete), [teaching.leader, other, teaching.leader, other]))
    assert outcomes == ["completed"] * 4
    assert Certificate.objects.count() == 1
