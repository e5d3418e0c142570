"""The speciality tree every deployment starts with (the services of 机关事务); managers extend it in the
admin. The data migration plants it; `ensure_tree` does it again where a test flushed the tables."""

from __future__ import annotations

TREE = [
    ("hvac", "暖通", [("hvac-chiller", "冷水机组"), ("hvac-air", "空调末端与新风"), ("hvac-heating", "供暖")]),
    ("bas", "楼宇自控", [("bas-ddc", "DDC 控制"), ("bas-energy", "能耗监测")]),
    ("catering", "餐饮", [("catering-dish", "菜肴研发"), ("catering-safety", "食品安全")]),
    ("meeting", "会务", []),
    ("vehicles", "公务用车", []),
    ("greening", "绿化", []),
    ("cleaning", "保洁", []),
    ("energy", "公共机构节能", []),
    ("standardisation", "标准化", [("standard-evaluation", "标准实施评价")]),
]


def ensure_tree(speciality_model=None) -> None:
    """Create the missing nodes of TREE (idempotent). The migration passes its historical model."""
    if speciality_model is None:
        from .models import Speciality

        speciality_model = Speciality
    for order, (code, name, children) in enumerate(TREE):
        parent, _ = speciality_model.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for child_order, (child_code, child_name) in enumerate(children):
            speciality_model.objects.get_or_create(code=child_code, defaults={
                "name": child_name, "parent": parent, "order": child_order})
