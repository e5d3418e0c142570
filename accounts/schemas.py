from datetime import datetime

from ninja import Schema
from pydantic import Field


class WechatCodeIn(Schema):
    code: str = Field(..., min_length=1, max_length=128, description="wx.login / getPhoneNumber 返回的 code")


class WechatLoginIn(WechatCodeIn):
    binding_code: str | None = Field(None, min_length=4, max_length=20,
                                     description="首次登录时填写专家库管理员给出的绑定码（系统外专家）")


class RoleOut(Schema):
    role: str
    org_unit_id: int


class UserOut(Schema):
    id: int
    name: str
    phone: str = Field("", description="本人和管理员可见完整号码，其他人看到 138****8000")
    roles: list[RoleOut]


class LoginOut(Schema):
    token: str
    expires_at: datetime
    user: UserOut
    is_new: bool


class PhoneOut(Schema):
    phone: str


class OkOut(Schema):
    ok: bool = True
