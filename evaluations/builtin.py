"""The built-in templates of 四评四促, in Chinese: training organisation, training form, course (content,
method, effect), assessment (targets, key points, process), trainer and contest. Plain data: the
migration `0002_builtin_templates` and `services.ensure_builtin_templates` load them by code."""

from __future__ import annotations

SATISFACTION = [{"value": v, "label": label} for v, label in
                (("5", "非常满意"), ("4", "满意"), ("3", "一般"), ("2", "不满意"), ("1", "非常不满意"))]
IMPROVE_TEXT = {"key": "suggest", "kind": "text", "title": "您对改进有什么建议？", "required": False,
                "max_length": 500}
NPS = {"key": "nps", "kind": "nps", "title": "您有多大可能向同事推荐？（0–10 分）", "required": True}


def _scale(key: str, title: str, dimension: str) -> dict:
    return {"key": key, "kind": "scale", "title": title, "required": True, "scale": {"min": 1, "max": 5},
            "dimension": dimension}


TEMPLATES: list[dict] = [
    {
        "code": "training_organisation", "target_kind": "studio", "title": "实训组织评价",
        "description": "评价实训的组织安排：通知、时间、场地、设备和后勤保障。",
        "questions": [
            _scale("notice", "培训通知及时、信息清楚", "组织"),
            _scale("schedule", "时间安排合理", "组织"),
            {"key": "venue", "kind": "matrix", "title": "请评价实训条件", "required": True, "dimension": "组织",
             "scale": {"min": 1, "max": 5},
             "rows": [{"key": "site", "label": "场地"}, {"key": "equipment", "label": "设备与工具"},
                      {"key": "safety", "label": "安全防护"}]},
            {"key": "problem", "kind": "single", "title": "组织中是否遇到问题？", "required": True,
             "options": [{"value": "no", "label": "没有"}, {"value": "yes", "label": "有"}]},
            {"key": "problem_detail", "kind": "text", "title": "请说明遇到的问题", "required": True,
             "show_if": {"question": "problem", "in": ["yes"]}, "max_length": 500},
            IMPROVE_TEXT,
        ],
    },
    {
        "code": "training_form", "target_kind": "studio", "title": "实训形式评价",
        "description": "评价实训采用的形式：讲授、演示、实操、师带徒、线上学习的搭配。",
        "questions": [
            {"key": "forms", "kind": "multiple", "title": "本次实训中，对您帮助最大的形式（可多选）", "required": True,
             "options": [{"value": "lecture", "label": "集中讲授"}, {"value": "demo", "label": "现场演示"},
                         {"value": "practice", "label": "实操练习"}, {"value": "mentor", "label": "师带徒"},
                         {"value": "online", "label": "线上课程"}]},
            _scale("practice_share", "实操练习的时间充足", "形式"),
            _scale("fit", "形式适合本岗位的工作", "形式"),
            IMPROVE_TEXT,
        ],
    },
    {
        "code": "course", "target_kind": "course", "title": "课程满意度评价",
        "description": "评价课程的内容、方式和效果。",
        "questions": [
            _scale("content_fit", "课程内容符合岗位需要", "内容"),
            _scale("content_standard", "课程内容与所学标准一致、准确", "内容"),
            _scale("method_clear", "讲解清楚、易于理解", "方式"),
            _scale("method_practice", "讲练结合，实操机会充分", "方式"),
            _scale("effect_apply", "学完后能在工作中运用", "效果"),
            {"key": "overall", "kind": "single", "title": "总体满意度", "required": True, "options": SATISFACTION},
            NPS,
            IMPROVE_TEXT,
        ],
    },
    {
        "code": "assessment", "target_kind": "exam", "title": "考核评价",
        "description": "评价考核的目标、要点和过程。",
        "questions": [
            _scale("target_clear", "考核目标明确，事先知晓", "目标"),
            _scale("target_fit", "考核目标与岗位要求一致", "目标"),
            _scale("points_cover", "考核要点覆盖所学内容", "要点"),
            _scale("points_weight", "要点的分值权重合理", "要点"),
            _scale("process_fair", "考核过程公平、公正", "过程"),
            _scale("process_order", "考核组织有序、时间充足", "过程"),
            IMPROVE_TEXT,
        ],
    },
    {
        "code": "trainer", "target_kind": "trainer", "title": "讲师评价",
        "description": "评价讲师的专业水平、讲授能力和答疑。",
        "questions": [
            {"key": "trainer", "kind": "matrix", "title": "请评价讲师", "required": True, "dimension": "讲师",
             "scale": {"min": 1, "max": 5},
             "rows": [{"key": "expertise", "label": "专业水平"}, {"key": "delivery", "label": "讲授能力"},
                      {"key": "answers", "label": "答疑解惑"}, {"key": "preparation", "label": "备课充分"}]},
            NPS,
            IMPROVE_TEXT,
        ],
    },
    {
        "code": "contest", "target_kind": "contest", "title": "竞赛评价",
        "description": "评价技能比武的组织、规则与评判。",
        "questions": [
            _scale("rules_clear", "竞赛规则清楚，事先公布", "规则"),
            _scale("judging_fair", "评判公平、公正", "评判"),
            _scale("organisation", "赛事组织有序", "组织"),
            {"key": "again", "kind": "single", "title": "下次是否愿意再参加？", "required": True,
             "options": [{"value": "yes", "label": "愿意"}, {"value": "maybe", "label": "看情况"},
                         {"value": "no", "label": "不愿意"}]},
            {"key": "why_not", "kind": "text", "title": "不愿意的原因", "required": False,
             "show_if": {"question": "again", "in": ["no"]}, "max_length": 500},
        ],
    },
]
