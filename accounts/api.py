from django.http import HttpRequest
from ninja import Router

from miniprogram_api.ratelimit import check_rate

from . import services
from .schemas import LoginOut, OkOut, PhoneOut, UserOut, WechatCodeIn, WechatLoginIn
from .selectors import user_summary

auth_router = Router(tags=["登录"])
me_router = Router(tags=["登录"])


@auth_router.post("/wechat-login", response=LoginOut, auth=None, summary="微信登录（wx.login 的 code 换令牌）")
def wechat_login(request: HttpRequest, payload: WechatLoginIn):
    check_rate(request, "login")
    result = services.login_with_wechat(code=payload.code, user_agent=request.headers.get("User-Agent", ""),
                                        binding_code=payload.binding_code)
    return {"token": result.token, "expires_at": result.expires_at, "user": user_summary(result.user),
            "is_new": result.is_new}


@auth_router.post("/logout", response=OkOut, summary="退出登录（注销当前令牌）")
def logout(request: HttpRequest):
    services.revoke_token(token=request.api_token)
    return {"ok": True}


@auth_router.post("/phone", response=PhoneOut, summary="绑定手机号（getPhoneNumber 的 code）")
def bind_phone(request: HttpRequest, payload: WechatCodeIn):
    return {"phone": services.bind_phone(user=request.user, code=payload.code)}


@me_router.get("", response=UserOut, summary="当前用户与角色")
def me(request: HttpRequest):
    return user_summary(request.user)
