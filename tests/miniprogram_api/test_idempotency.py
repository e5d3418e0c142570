"""The idempotency mechanism every retried write uses: a replay returns the first result."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from accounts.models import OrgUnit
from miniprogram_api.errors import ApiError
from miniprogram_api.idempotency import run_once
from miniprogram_api.models import IdempotencyRecord


def create_unit(name):
    unit = OrgUnit.objects.create(name=name, kind=OrgUnit.Kind.TEAM)
    return 201, {"id": unit.pk, "name": unit.name}


def test_replay_returns_the_first_result_and_creates_nothing(make_user):
    user = make_user()
    first = run_once(user=user, scope="t", key="k1", payload={"name": "一班"}, write=lambda: create_unit("一班"))
    again = run_once(user=user, scope="t", key="k1", payload={"name": "一班"}, write=lambda: create_unit("一班"))
    assert first.replayed is False and again.replayed is True
    assert again.status == 201 and again.body == first.body
    assert OrgUnit.objects.filter(name="一班").count() == 1


def test_same_key_different_body_is_409(make_user):
    user = make_user()
    run_once(user=user, scope="t", key="k1", payload={"name": "一班"}, write=lambda: create_unit("一班"))
    with pytest.raises(ApiError) as info:
        run_once(user=user, scope="t", key="k1", payload={"name": "二班"}, write=lambda: create_unit("二班"))
    assert info.value.status == 409 and info.value.code == "idempotency_conflict"
    assert not OrgUnit.objects.filter(name="二班").exists()


def test_keys_are_per_user_and_scope(make_user):
    alice, bob = make_user(), make_user()
    run_once(user=alice, scope="t", key="k", payload={}, write=lambda: create_unit("甲"))
    run_once(user=bob, scope="t", key="k", payload={}, write=lambda: create_unit("乙"))
    run_once(user=alice, scope="u", key="k", payload={}, write=lambda: create_unit("丙"))
    assert OrgUnit.objects.filter(name__in=["甲", "乙", "丙"]).count() == 3


def test_failed_write_stores_nothing_so_a_retry_runs_again(make_user):
    user = make_user()

    def failing():
        OrgUnit.objects.create(name="半截", kind=OrgUnit.Kind.TEAM)
        raise ApiError("boom", "失败", status=422)

    with pytest.raises(ApiError):
        run_once(user=user, scope="t", key="k", payload={}, write=failing)
    assert not OrgUnit.objects.filter(name="半截").exists()  # the partial write was rolled back
    assert not IdempotencyRecord.objects.exists()
    result = run_once(user=user, scope="t", key="k", payload={}, write=lambda: create_unit("重试"))
    assert result.replayed is False


def test_concurrent_copies_create_once(postgres, make_user):
    from django.db import connection

    user = make_user()

    def send(_):
        try:
            return run_once(user=user, scope="t", key="same", payload={"n": 1},
                            write=lambda: create_unit("并发")).body["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        ids = set(pool.map(send, range(6)))
    assert len(ids) == 1
    assert OrgUnit.objects.filter(name="并发").count() == 1
