"""The WeChat client against the fake WeChat server: access-token cache, refresh, retries."""

import io
import threading

import pytest
from PIL import Image

from wechat.client import WeChatClient, WeChatError, WeChatUnavailable


def test_many_concurrent_callers_share_one_token_fetch(fake_wechat, db):
    tokens, errors = [], []
    barrier = threading.Barrier(16)

    def call():
        barrier.wait()
        try:
            tokens.append(WeChatClient().access_token())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(tokens) == 16 and len(set(tokens)) == 1
    assert fake_wechat.state.calls["stable_token"] == 1


def test_token_is_reused_from_the_cache_by_other_clients(fake_wechat, db):
    first = WeChatClient().access_token()
    assert WeChatClient().access_token() == first
    assert fake_wechat.state.calls["stable_token"] == 1


def test_token_refreshed_before_expiry(fake_wechat, db, settings):
    settings.WECHAT_TOKEN_REFRESH_MARGIN = 7300  # longer than the token lives: every call is "about to expire"
    WeChatClient().access_token()
    WeChatClient().access_token()
    assert fake_wechat.state.calls["stable_token"] == 2


def test_rejected_token_is_refreshed_once_and_the_call_retried(fake_wechat, db):
    client = WeChatClient()
    old = client.access_token()
    fake_wechat.state.expire_tokens()  # WeChat now answers 40001 to the cached token
    assert client.phone_number("phone-13700000000") == "13700000000"
    assert fake_wechat.state.calls["stable_token"] == 2
    assert client.access_token() != old


def test_refresh_happens_once_when_many_callers_see_40001(fake_wechat, db):
    client = WeChatClient()
    old = client.access_token()
    fake_wechat.state.expire_tokens()
    barrier = threading.Barrier(8)
    results = []

    def call():
        barrier.wait()
        results.append(WeChatClient().access_token(stale=old))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and old not in results
    assert fake_wechat.state.calls["stable_token"] == 2


def test_mini_program_code_is_a_png(fake_wechat, db):
    png = WeChatClient().wxacode_unlimited(scene="Ab3-x_Y", page="pages/scan/index", width=300)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (300, 300)


def test_mini_program_code_errors_are_raised(fake_wechat, db):
    with pytest.raises(WeChatError) as info:
        WeChatClient().wxacode_unlimited(scene="x" * 33)
    assert info.value.errcode == 40169


def test_subscribe_message_is_delivered_or_43101(fake_wechat, db):
    client = WeChatClient()
    msgid = client.send_subscribe_message(touser="openid-a", template_id="tmpl", data={"thing1": {"value": "空调"}})
    assert msgid == 1
    assert fake_wechat.state.messages[0]["touser"] == "openid-a"
    fake_wechat.state.unsubscribed = {"openid-b"}
    with pytest.raises(WeChatError) as info:
        client.send_subscribe_message(touser="openid-b", template_id="tmpl", data={})
    assert info.value.errcode == 43101
    assert not isinstance(info.value, WeChatUnavailable)


def test_wrong_secret_is_an_error_not_a_hang(fake_wechat, db, settings):
    settings.WECHAT_SECRET = "wrong"
    with pytest.raises(WeChatError) as info:
        WeChatClient().access_token()
    assert info.value.errcode == 40125
