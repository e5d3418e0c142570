"""The privacy guide: anyone reads the current version and its Chinese text; a signed-in person agrees to
that version once (recorded with the time); an outdated version or a body of the wrong shape changes
nothing."""

from django.test import Client

from privacy import guide
from privacy.models import PrivacyAcceptance
from tests.conftest import assert_error


def test_the_guide_is_public_and_chinese(api):
    response = Client().get("/api/v1/privacy")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == guide.VERSION and "隐私" in body["title"]
    assert "手机号码" in body["text"] and "删除" in body["text"]


def test_accepting_records_version_and_time_once(api, make_user):
    user = make_user()
    client = api.as_user(user)
    first = client.post("privacy/accept", {"version": guide.VERSION})
    assert first.status_code == 201, first.content
    again = client.post("privacy/accept", {"version": guide.VERSION})
    assert again.status_code == 200 and again.json() == first.json()
    assert PrivacyAcceptance.objects.filter(user=user).count() == 1
    record = PrivacyAcceptance.objects.get(user=user)
    assert record.version == guide.VERSION and record.accepted_at is not None


def test_outdated_version_wrong_shape_and_anonymous_change_nothing(api, make_user):
    client = api.as_user(make_user())
    body = assert_error(client.post("privacy/accept", {"version": "2020-01-01"}), 409, "privacy_version_outdated")
    assert body["detail"]["current_version"] == guide.VERSION
    assert client.raw("POST", "privacy/accept", b'["2026-12-01"]').status_code == 422
    assert client.raw("POST", "privacy/accept", b"not json").status_code in (400, 422)
    assert_error(api.post("privacy/accept", {"version": guide.VERSION}), 401)
    assert PrivacyAcceptance.objects.count() == 0


def test_demo_people_agreed_except_chen(db):
    from fixtures import accounts_demo, privacy_demo

    accounts_demo.seed()
    privacy_demo.seed()
    privacy_demo.seed()  # reloading duplicates nothing
    agreed = set(PrivacyAcceptance.objects.values_list("user__wechat_identities__openid", flat=True))
    assert "demo-worker-chen" not in agreed and "demo-apprentice-li" in agreed
    assert PrivacyAcceptance.objects.count() == len(accounts_demo.PEOPLE) - 1
