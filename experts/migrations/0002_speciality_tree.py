"""The speciality tree every deployment starts with (the services of 机关事务); managers extend it in the
admin."""

from django.db import migrations

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


def seed(apps, schema_editor):
    Speciality = apps.get_model("experts", "Speciality")
    for order, (code, name, children) in enumerate(TREE):
        parent, _ = Speciality.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for child_order, (child_code, child_name) in enumerate(children):
            Speciality.objects.get_or_create(code=child_code, defaults={"name": child_name, "parent": parent,
                                                                        "order": child_order})


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
