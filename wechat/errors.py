"""What each WeChat error means to the person who caused the call, per WeChat API.

WeChat reuses a handful of error codes across its APIs with different meanings (40029 is an invalid
login code at jscode2session and an invalid phone code at getuserphonenumber), so each API has its own
table: errcode → (HTTP status, our stable code, Chinese message). An errcode missing from the table, an
unreachable WeChat, or a busy one is 503 `wechat_unavailable`: the phone may retry later.
"""

from __future__ import annotations

from miniprogram_api.errors import ApiError

from .client import WeChatError, WeChatUnavailable

ErrorTable = dict[int, tuple[int, str, str]]

# jscode2session (wx.login → our token)
LOGIN: ErrorTable = {
    40029: (401, "invalid_code", "登录码无效或已过期，请重新进入小程序"),
    40163: (401, "invalid_code", "登录码已被使用，请重新进入小程序"),
    45011: (429, "wechat_rate_limited", "登录过于频繁，请稍后再试"),
    40226: (403, "wechat_user_blocked", "该微信账号存在安全风险，暂时无法登录"),
}

# getuserphonenumber (the phone-number button)
PHONE: ErrorTable = {
    40029: (400, "invalid_phone_code", "手机号授权码无效或已使用，请重新授权"),
    1400001: (429, "wechat_rate_limited", "请求过于频繁，请稍后再试"),
}

# getwxacodeunlimit (a practice point's mini-program code, fetched by whoever prints labels)
WXACODE: ErrorTable = {
    45009: (429, "wechat_rate_limited", "生成小程序码过于频繁，请稍后再试"),
    41030: (503, "wechat_page_invalid", "小程序码指向的页面不存在或尚未发布，请联系管理员检查配置"),
    40097: (503, "wechat_config_invalid", "小程序码参数有误，请联系管理员检查配置"),
    40169: (422, "wechat_scene_invalid", "二维码内容不符合微信小程序码的要求"),
}

# subscribe/send (the outbox): 43101 is the user's choice, not a failure of ours.
NOT_SUBSCRIBED = 43101


def wechat_unavailable() -> ApiError:
    return ApiError("wechat_unavailable", "微信服务暂时不可用，请稍后重试", status=503)


def api_error(exc: WeChatError, table: ErrorTable) -> ApiError:
    """The error the phone receives for a WeChat failure of the API whose `table` is given."""
    if isinstance(exc, WeChatUnavailable):
        return wechat_unavailable()
    status, code, message = table.get(exc.errcode, (503, "wechat_unavailable", "微信服务暂时不可用，请稍后重试"))
    headers = {"Retry-After": "60"} if status == 429 else None
    return ApiError(code, message, status=status, detail={"errcode": exc.errcode}, headers=headers)
