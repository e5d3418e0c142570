"""The indicator system Shixun ships (pure data; `services.install_builtin` and the data migration load it).

Structure from Nanjing's evaluation of local standards (3 dimensions × 17 indicators: technical level 7,
implementation process 7, benefits 3, scored by experts against an evidence list); evidence types and the
goal → process → result reading from Chongqing's DB 50/T 1053-2020 机关事务标准化工作评价规范
(questionnaires, site visits, document and expert review, a written report). Weights in per cent at each
level. `measure` names the figure of the implementation series that is pre-filled as evidence.
"""

from __future__ import annotations

D, S, Q, E, X = "documents", "site_visit", "survey", "expert_review", "shixun_data"

FOUR_GRADES = "按优（90–100）、良（75–89）、中（60–74）、差（60 以下）四档评分，"

BUILTIN = {
    "code": "standard-implementation",
    "name": "机关事务标准实施评价指标体系",
    "basis": "DB 50/T 1053-2020《机关事务标准化工作评价规范》；南京市地方标准实施评价（3 个维度 17 项指标）",
    "description": "评价一项标准（或一个单位的标准体系）的技术水平、实施过程和实施效益。专家逐项评分并附证据；"
                   "平台可测的指标由标准实施数据预填为证据；5 名及以上专家评分时去掉最高、最低后取平均。",
    "dimensions": [
        ("T", "技术水平", "30", "标准本身的质量：先进、适用、完整、可操作。", [
            ("T1", "标准先进性", "15", FOUR_GRADES + "对比国家、行业标准及先进地区同类标准的技术要求。", [D, E], ""),
            ("T2", "标准适用性", "15", FOUR_GRADES + "看标准是否符合本地机关事务服务的实际和发展需要。", [D, E, Q], ""),
            ("T3", "内容完整性", "15", FOUR_GRADES + "服务全过程、各要素（人员、设施、流程、记录）是否齐全。", [D, E], ""),
            ("T4", "技术要求合理性", "15", FOUR_GRADES + "技术指标是否量化、限值是否合理、可检验。", [D, E], ""),
            ("T5", "可操作性", "15", FOUR_GRADES + "要求能否转化为清晰、可执行、可检查的作业步骤。", [D, S, X], "translation"),
            ("T6", "协调性", "15", FOUR_GRADES + "与相关法规、标准和本单位制度是否协调一致、无冲突。", [D, E], ""),
            ("T7", "编写规范性", "10", FOUR_GRADES + "结构、术语和表述是否符合 GB/T 1.1 的编写规则。", [D], ""),
        ]),
        ("P", "实施过程", "40", "标准在本单位如何被组织、转化、执行和改进。", [
            ("P1", "宣贯培训", "15", FOUR_GRADES + "培训覆盖面、学习完成人数和考核正确率。", [D, Q, X], "learning"),
            ("P2", "实施组织", "15", FOUR_GRADES + "职责分工、实施计划、人员和经费等资源保障。", [D, S], ""),
            ("P3", "作业规程转化", "15", FOUR_GRADES + "标准已转化为作业规程并落到实操点的程度。", [D, S, X], "translation"),
            ("P4", "执行记录", "15", FOUR_GRADES + "扫码实操记录是否完整、连续、按规定频次。", [S, X], "runs"),
            ("P5", "执行符合性", "15", FOUR_GRADES + "实操步骤的合格情况，异常（不合格、关注）占比越低得分越高。", [S, X], "conformity"),
            ("P6", "监督检查与整改", "15", FOUR_GRADES + "发现问题后整改工单是否闭环、关闭时长是否合理。", [D, S, X], "corrective"),
            ("P7", "持续改进", "10", FOUR_GRADES + "评价结果是否用于修订标准和改进服务，是否按期复审。", [D, E], ""),
        ]),
        ("B", "实施效益", "30", "标准实施带来的结果。", [
            ("B1", "服务质量提升", "40", FOUR_GRADES + "服务对象满意度、投诉和返修情况的变化。", [Q, X], ""),
            ("B2", "管理效能提升", "30", FOUR_GRADES + "效率、成本、能耗等管理指标的改善。", [D, E], ""),
            ("B3", "社会与示范效益", "30", FOUR_GRADES + "推广应用范围、获得的表彰和示范引领作用。", [D, E], ""),
        ]),
    ],
}
