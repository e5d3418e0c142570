"""HTTP API of contests (list, detail, board, export, appeals) and of judging (the judge's phone and
the chief judge's and arbitrator's actions). Parse, call a service or selector, return."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Status

from miniprogram_api.errors import ApiError, not_found
from miniprogram_api.schemas import Id

from . import analytics, board, export, panels, presenters, recheck, selectors, services, timekeeping
from .schemas import (
    AppealIn,
    AssignmentsOut,
    BoardSnapshotOut,
    ChiefReasonIn,
    ContestAppealFiledOut,
    ContestAppealListOut,
    ContestAppealOut,
    ContestAuditOut,
    ContestAwardsOut,
    ContestListItem,
    ContestOut,
    DecisionIn,
    JudgeAnalyticsOut,
    JudgeDrawIn,
    JudgeDrawOut,
    JudgingDrawOut,
    JudgingEventStateOut,
    JudgingMarksOut,
    JudgingModerationOut,
    JudgingOverrideOut,
    JudgingRemarkRequestOut,
    JudgingSheetOut,
    MarksIn,
    OverrideIn,
    PanelMemberOut,
    PickJudgeIn,
    PublishIn,
    RecheckConfirmIn,
    RecheckConfirmOut,
    RecheckDrawIn,
    RecheckOut,
    RemarkIn,
    ResultVersionsOut,
    SchemeChangeIn,
    SchemeChangeOut,
    TimingIn,
    TimingOut,
)

contests_router = Router(tags=["技能比武"])
judging_router = Router(tags=["评分（裁判）"])


XLSX = {"responses": {200: {"description": "Excel 工作簿", "content": {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}}


def _json(data, status: int = 200) -> JsonResponse:
    """The bodies are built (and their times formatted) by presenters and services; each operation
    declares their schema (`response=`), which schemathesis checks every answer against."""
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


# --- contests --------------------------------------------------------------------------------------
@contests_router.get("", response=list[ContestListItem], summary="比武列表")
def list_contests(request: HttpRequest):
    return [presenters.contest_list_item(c) for c in selectors.contest_list(request.user)]


@contests_router.get("/{contest_id}", response=ContestOut, summary="比武详情：项目、模块、评分项、状态")
def contest_detail(request: HttpRequest, contest_id: Id):
    return selectors.contest_detail(request.user, selectors.get_contest(request.user, contest_id))


@contests_router.get("/{contest_id}/board", auth=None, response=BoardSnapshotOut, summary="公开榜快照（与 websocket 首条消息相同）")
def public_board(request: HttpRequest, contest_id: Id):
    text = board.snapshot_text(contest_id, jury=False)
    if text is None:
        raise not_found("比武")
    return HttpResponse(text, content_type="application/json")


@contests_router.get("/{contest_id}/jury-board", response=BoardSnapshotOut, summary="评审榜快照（裁判长、仲裁、管理员；含复核提示）")
def jury_board(request: HttpRequest, contest_id: Id):
    selectors.jury_contest(request.user, contest_id)
    return HttpResponse(board.snapshot_text(contest_id, jury=True), content_type="application/json")


@contests_router.get("/{contest_id}/results.xlsx", summary="成绩导出（Excel：名次、总分、模块分、每位裁判的评分）",
                     openapi_extra=XLSX)
def results_xlsx(request: HttpRequest, contest_id: Id):
    contest = selectors.jury_contest(request.user, contest_id)
    response = HttpResponse(export.results_workbook(contest),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="results-{contest.id}.xlsx"'
    return response


@contests_router.get("/{contest_id}/results", response=ResultVersionsOut, summary="已公布成绩的各个版本（更正后重新公布的版本及变化）")
def result_versions(request: HttpRequest, contest_id: Id):
    contest = selectors.get_contest(request.user, contest_id)
    return _json({"items": [presenters.result_version_out(r) for r in selectors.result_versions(contest)]})


@contests_router.get("/{contest_id}/judge-analytics", response=JudgeAnalyticsOut, summary="裁判评分分析：与裁判组的偏差、超出容限、名次相关、本单位选手（裁判长、仲裁、管理员）")
def judge_analytics(request: HttpRequest, contest_id: Id):
    return _json(analytics.contest_analytics(selectors.jury_contest(request.user, contest_id)))


@contests_router.get("/{contest_id}/judge-analytics.xlsx", summary="裁判评分分析（Excel）", openapi_extra=XLSX)
def judge_analytics_xlsx(request: HttpRequest, contest_id: Id):
    contest = selectors.jury_contest(request.user, contest_id)
    response = HttpResponse(analytics.analytics_workbook(contest),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="judge-analytics-{contest.id}.xlsx"'
    return response


@contests_router.get("/{contest_id}/audit", response=ContestAuditOut, summary="操作日志（只增不改）")
def audit_log(request: HttpRequest, contest_id: Id):
    contest = selectors.jury_contest(request.user, contest_id)
    return _json({"items": [presenters.audit_entry_out(a) for a in selectors.audit_log(contest)]})


@contests_router.get("/{contest_id}/appeals", response=ContestAppealListOut, summary="申诉列表（裁判长、仲裁）")
def list_appeals(request: HttpRequest, contest_id: Id):
    contest = selectors.jury_contest(request.user, contest_id)
    return _json({"items": [presenters.appeal_out(a) for a in selectors.appeals_of(contest)]})


@contests_router.post("/entries/{entry_id}/appeals", response={200: ContestAppealFiledOut, 201: ContestAppealFiledOut},
                      summary="选手申诉（成绩公布后限时）")
def file_appeal(request: HttpRequest, entry_id: Id, payload: AppealIn):
    body = services.file_appeal(user=request.user, entry_id=entry_id, aspect_id=payload.aspect_id,
                                reason=payload.reason, client_id=payload.client_id)
    return _json(body, status=200 if body["replayed"] else 201)


# --- judging ---------------------------------------------------------------------------------------
@judging_router.get("/assignments", response=AssignmentsOut, summary="我的评分任务：项目、选手加密号、评分项、我的评分")
def assignments(request: HttpRequest):
    return selectors.assignments(request.user)


@judging_router.post("/marks", response=JudgingMarksOut, summary="提交评分（批量；按 client_id 幂等；逐条返回结果）")
def post_marks(request: HttpRequest, payload: MarksIn):
    items = [services.MarkItem(client_id=m.client_id, entry_id=m.entry_id, aspect_id=m.aspect_id, value=m.value,
                               kind=m.kind) for m in payload.marks]
    batch = services.record_marks(judge=request.user, items=items)
    body = {"results": batch.results, "seq": batch.seq}
    if batch.accepted:
        return _json(body)
    first = batch.results[0]
    raise ApiError(first["code"], first["message"], status=first["status"], detail=body)


@judging_router.post("/entries/{entry_id}/submit", response={200: JudgingSheetOut, 201: JudgingSheetOut},
                     summary="提交我对该选手的评分表（此后仅裁判长可更正）")
def submit_sheet(request: HttpRequest, entry_id: Id):
    submission, created = services.submit_sheet(judge=request.user, entry_id=entry_id)
    return _json({"entry_id": entry_id, "submitted": True, "submitted_at": submission.submitted_at.isoformat(),
                  "replayed": not created}, status=201 if created else 200)


@judging_router.post("/marks/override", response={200: JudgingOverrideOut, 201: JudgingOverrideOut},
                     summary="裁判长更正分数（须填原因，记入操作日志）")
def override_mark(request: HttpRequest, payload: OverrideIn):
    body = services.override_mark(actor=request.user, client_id=payload.client_id, judge_id=payload.judge_id,
                                  entry_id=payload.entry_id, aspect_id=payload.aspect_id, value=payload.value,
                                  reason=payload.reason)
    return _json(body, status=200 if body["replayed"] else 201)


@judging_router.post("/events/{event_id}/open", response=JudgingEventStateOut, summary="开始评分（检查评分方案，未抽签的选手自动抽签）")
def open_event(request: HttpRequest, event_id: Id):
    return _json(presenters.event_state_out(services.open_event(actor=request.user, event_id=event_id)))


@judging_router.post("/events/{event_id}/scheme", response=SchemeChangeOut,
                     summary="开赛后修改评分方案（仅裁判长，须填原因，记入操作日志并在评审榜显示；公布后不可改）")
def change_scheme(request: HttpRequest, event_id: Id, payload: SchemeChangeIn):
    change = services.SchemeChange(
        aggregation=payload.aggregation, trim_k=payload.trim_k, tolerance=payload.tolerance,
        tie_break_by_sections=payload.tie_break_by_sections,
        section_weights={s.id: s.weight for s in payload.sections},
        aspect_max_marks={a.id: a.max_mark for a in payload.aspects if a.max_mark is not None},
        aspect_scales={a.id: a.scale_max for a in payload.aspects if a.scale_max is not None})
    return services.change_scheme(actor=request.user, event_id=event_id, reason=payload.reason, change=change)


@judging_router.post("/events/{event_id}/draw", response=JudgingDrawOut, summary="抽签：为未分配加密号的选手随机分配")
def draw(request: HttpRequest, event_id: Id):
    drawn = services.draw_codes(actor=request.user, event_id=event_id)
    return _json({"drawn": len(drawn)})


@judging_router.get("/events/{event_id}/moderation", response=JudgingModerationOut, summary="复核：分差超限提示、待复评、锁定前缺项（裁判长）")
def moderation_status(request: HttpRequest, event_id: Id):
    event = selectors.get_event(event_id)
    selectors.require_chief(request.user, event)
    rows = board.compute_event(event)["jury_rows"]
    return _json({
        "flags": [{"entry_id": r["entry_id"], "code": r["code"], **flag} for r in rows for flag in r["flags"]],
        "requests": [presenters.remark_request_out(q) for q in selectors.remark_requests_of(event)],
        "lock_problems": services.lock_problems(event),
    })


@judging_router.post("/events/{event_id}/moderation", response={200: JudgingRemarkRequestOut, 201: JudgingRemarkRequestOut},
                     summary="发起复评：请裁判对某评分项重新评分（记录原因）")
def request_remark(request: HttpRequest, event_id: Id, payload: RemarkIn):
    req = services.request_remark(actor=request.user, event_id=event_id, entry_id=payload.entry_id,
                                  aspect_id=payload.aspect_id, reason=payload.reason, judge_ids=payload.judge_ids)
    return _json(presenters.remark_request_out(req, with_source=False), status=201)


@judging_router.post("/events/{event_id}/lock", response=JudgingEventStateOut, summary="锁定项目（全部评分表已提交）")
def lock(request: HttpRequest, event_id: Id):
    return _json(presenters.event_state_out(services.lock_event(actor=request.user, event_id=event_id)))


@judging_router.post("/events/{event_id}/unlock", response=JudgingEventStateOut, summary="解锁项目（须填原因）")
def unlock(request: HttpRequest, event_id: Id, payload: ChiefReasonIn):
    return _json(presenters.event_state_out(services.unlock_event(actor=request.user, event_id=event_id, reason=payload.reason)))


@judging_router.post("/events/{event_id}/publish", response=JudgingEventStateOut, summary="公布成绩（解密姓名，开启申诉期）")
def publish(request: HttpRequest, event_id: Id, payload: PublishIn | None = None):
    minutes = payload.appeal_window_minutes if payload else None
    return _json(presenters.event_state_out(services.publish_event(actor=request.user, event_id=event_id,
                                                   appeal_window_minutes=minutes)))


@judging_router.post("/appeals/{appeal_id}/decide", response=ContestAppealOut, summary="仲裁裁决申诉（成立则发起复评）")
def decide_appeal(request: HttpRequest, appeal_id: Id, payload: DecisionIn):
    return _json(services.decide_appeal(actor=request.user, appeal_id=appeal_id, decision=payload.decision,
                                        reason=payload.reason, aspect_ids=payload.aspect_ids))


# --- panels from the expert roster (issue 15) ---------------------------------------------------------------
@judging_router.post("/events/{event_id}/judge-draws", response={201: JudgeDrawOut},
                     summary="主办方：从专家库随机抽取裁判（回避选手所在单位及回避名单；确认后入裁判组）")
def draw_judges(request: HttpRequest, event_id: Id, payload: JudgeDrawIn):
    draw = panels.draw_judges(actor=request.user, event_id=event_id, count=payload.count, backups=payload.backups,
                              speciality_ids=list(payload.specialities))
    return Status(201, panels.draw_out(draw))


@judging_router.post("/events/{event_id}/panel", response={201: PanelMemberOut},
                     summary="主办方：指定专家库中的裁判（须填写理由）")
def pick_judge(request: HttpRequest, event_id: Id, payload: PickJudgeIn):
    member = panels.pick_judge(actor=request.user, event_id=event_id, user_id=payload.user_id,
                               expert_id=payload.expert_id, reason=payload.reason, is_chief=payload.is_chief)
    return Status(201, panels.member_out(member))


# --- recheck before publication (competitions/recheck.py, docs/SCORING.md) ---------------------------------
@contests_router.post("/events/{event_id}/recheck", response={201: RecheckOut},
                      summary="抽取复核名单（锁定后，裁判长；前 10 名全部、其余至少 15%，记录随机种子）")
def draw_recheck(request: HttpRequest, event_id: Id, payload: RecheckDrawIn | None = None):
    made = recheck.draw(actor=request.user, event_id=event_id, seed=payload.seed if payload else None)
    return Status(201, recheck.recheck_out(made.event, made))


@contests_router.get("/events/{event_id}/recheck", response=RecheckOut,
                     summary="复核名单与确认情况（裁判长、仲裁、管理员；可按种子复算）")
def recheck_status(request: HttpRequest, event_id: Id):
    return recheck.recheck_status(user=request.user, event_id=event_id)


@contests_router.post("/events/{event_id}/recheck/{entry_id}/confirm", response={200: RecheckConfirmOut, 201: RecheckConfirmOut},
                      summary="复核确认（监督仲裁或其他裁判长；不能是锁定、抽取的裁判长本人）")
def confirm_recheck(request: HttpRequest, event_id: Id, entry_id: Id, payload: RecheckConfirmIn | None = None):
    made, created = recheck.confirm(actor=request.user, event_id=event_id, entry_id=entry_id,
                                    note=payload.note if payload else "")
    body = {"entry_id": made.entry_id, "code": made.entry.code, "total": made.total,
            "confirmed_by": {"id": made.confirmed_by_id, "name": made.confirmed_by.name},
            "confirmed_at": made.confirmed_at.isoformat(), "note": made.note, "replayed": not created}
    return Status(201 if created else 200, body)


# --- sign-up, the lot draw, rounds, theory (issue 17) ----------------------------------------------------------
from . import rounds, signups, theory  # noqa: E402  (kept in this block so the branches merge cleanly)
from .signup_schemas import (  # noqa: E402
    AdvanceOut,
    LotDrawIn,
    LotDrawOut,
    SignUpDecisionIn,
    SignUpIn,
    SignUpListOut,
    SignUpOut,
    TheoryScoresOut,
)


@contests_router.post("/{contest_id}/events/{event_id}/signups", response={200: SignUpOut, 201: SignUpOut},
                      summary="报名（技能等级、单位名额；团体赛由队长报名并填写队员）")
def sign_up(request: HttpRequest, contest_id: Id, event_id: Id, payload: SignUpIn):
    signup, created = signups.apply(user=request.user, contest_id=contest_id, event_id=event_id,
                                    skill_level=payload.skill_level, certificate_no=payload.certificate_no,
                                    team_name=payload.team_name, member_ids=list(payload.members))
    return Status(201 if created else 200, signups.signup_out(signup, organiser=False))


@contests_router.get("/{contest_id}/events/{event_id}/signups", response=SignUpListOut,
                     summary="报名列表（主办方看全部，其他人看自己的）")
def list_signups(request: HttpRequest, contest_id: Id, event_id: Id):
    items, organiser = signups.visible_signups(request.user, contest_id, event_id)
    return {"items": [signups.signup_out(s, organiser=organiser) for s in items]}


@contests_router.post("/{contest_id}/events/{event_id}/signups/{signup_id}/decide", response=SignUpOut,
                      summary="主办方审核报名（通过，或说明原因不通过）")
def decide_signup(request: HttpRequest, contest_id: Id, event_id: Id, signup_id: Id, payload: SignUpDecisionIn):
    signup = signups.decide(actor=request.user, contest_id=contest_id, event_id=event_id, signup_id=signup_id,
                            decision=payload.decision, reason=payload.reason)
    return signups.signup_out(signup)


@contests_router.post("/{contest_id}/events/{event_id}/draw-lots", response={201: LotDrawOut},
                      summary="主办方抽签：加密号与工位号（记录随机种子，可复核；每个项目一次）")
def draw_lots(request: HttpRequest, contest_id: Id, event_id: Id, payload: LotDrawIn | None = None):
    draw = signups.draw_lots(actor=request.user, contest_id=contest_id, event_id=event_id,
                             seed=payload.seed if payload else None)
    return Status(201, signups.draw_out(draw))


@contests_router.get("/{contest_id}/events/{event_id}/draw-lots", response=LotDrawOut,
                     summary="抽签记录（开赛前仅主办方；含复核结果）")
def lot_draw(request: HttpRequest, contest_id: Id, event_id: Id):
    return signups.draw_out(signups.lot_draw_of(request.user, contest_id, event_id))


@judging_router.post("/events/{event_id}/advance", response={201: AdvanceOut},
                     summary="晋级：上一轮（已公布）前 N 名进入本轮（第 N 名并列者一并晋级）")
def advance_round(request: HttpRequest, event_id: Id):
    return Status(201, rounds.advance(actor=request.user, event_id=event_id))


@judging_router.post("/events/{event_id}/theory-scores", response=TheoryScoresOut,
                     summary="理论项目：导入选手在关联考试中的最好成绩作为总分")
def theory_scores(request: HttpRequest, event_id: Id):
    return theory.import_scores(actor=request.user, event_id=event_id)


# --- practical timing and awards (H5: competitions/timing.py, awards.py) ---------------------------------------
@judging_router.post("/entries/{entry_id}/timing/start", response={200: TimingOut, 201: TimingOut},
                     summary="开始实操计时（裁判长或计时员；按 client_id 幂等，重复开始返回 409）")
def start_timing(request: HttpRequest, entry_id: Id, payload: TimingIn):
    body, created = timekeeping.record(actor=request.user, entry_id=entry_id, kind="start", client_id=payload.client_id)
    return _json({**body, "replayed": not created}, status=201 if created else 200)


@judging_router.post("/entries/{entry_id}/timing/stop", response={200: TimingOut, 201: TimingOut},
                     summary="停止实操计时（裁判长或计时员；超时按项目规则扣分或到时停止）")
def stop_timing(request: HttpRequest, entry_id: Id, payload: TimingIn):
    body, created = timekeeping.record(actor=request.user, entry_id=entry_id, kind="stop", client_id=payload.client_id)
    return _json({**body, "replayed": not created}, status=201 if created else 200)


@contests_router.get("/{contest_id}/awards", response=ContestAwardsOut,
                     summary="获奖名单（成绩公布后；按比例或名次设奖，同分同奖；含获奖证书验证码）")
def contest_awards(request: HttpRequest, contest_id: Id):
    return _json(selectors.contest_awards(selectors.get_contest(request.user, contest_id)))
