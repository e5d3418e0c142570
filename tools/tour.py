"""`make tour`: walk every flow of the product against a running demo (`make run`) and say what happened.

    python tools/tour.py [BASE_URL]      (default http://127.0.0.1:$PORT, PORT defaulting to 8000)

Only HTTP and websockets, as the mini-program would: it logs in with the demo's fake-WeChat codes and
walks 扫码实操 (scan → run → steps → a corrective order), 报修工单 (dispatch → accept → arrive → start →
complete → rate), 技能比武 (a judge's mark reaches the live board over the websocket; the panel submits,
the chief judge locks, results are rechecked and published, a contestant appeals, the arbitrator decides), 师徒带教 (an
apprentice's progress), 线上培训 (a lesson watched, an exam sat), 问卷评价 (a course survey answered) and
专家库 (a verifiable random draw of experts, an invitation accepted). Each line is Chinese, then English.
Exit status 1 (with the failing answer) if any step does not behave as documented in docs/API.md.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import requests
from websockets.sync.client import connect

CST = timezone(timedelta(hours=8))


class TourError(Exception):
    pass


class Tour:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.api = f"{self.base}/api/v1"
        self.tokens: dict[str, str] = {}
        self.users: dict[str, dict] = {}
        self.session = requests.Session()

    # -- plumbing -----------------------------------------------------------------------------------
    def say(self, zh: str, en: str) -> None:
        print(f"  · {zh}\n      {en}", flush=True)

    def section(self, zh: str, en: str) -> None:
        print(f"\n== {zh} / {en}", flush=True)

    def login(self, code: str) -> dict:
        if code not in self.tokens:
            body = self.call("POST", "/auth/wechat-login", json={"code": code})
            self.tokens[code], self.users[code] = body["token"], body["user"]
        return self.users[code]

    def call(self, method: str, path: str, *, who: str | None = None, expect: tuple[int, ...] = (200, 201),
             **kwargs) -> dict | list:
        headers = kwargs.pop("headers", {})
        if who:
            self.login(who)
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        response = self.session.request(method, self.api + path, headers=headers, timeout=30, **kwargs)
        for _ in range(2):  # as the mini-program does: a 429 says when to come back (logins: 20 a minute)
            if response.status_code != 429 or 429 in expect:
                break
            time.sleep(min(float(response.headers.get("Retry-After") or 5), 60))
            response = self.session.request(method, self.api + path, headers=headers, timeout=30, **kwargs)
        if response.status_code not in expect:
            raise TourError(f"{method} {path} as {who or 'anonymous'} → {response.status_code}: {response.text[:500]}")
        return response.json()

    def photo(self, who: str) -> int:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, "JPEG")
        body = self.call("POST", "/uploads/photos", who=who, data={"client_id": str(uuid.uuid4())},
                         files={"file": ("tour.jpg", buffer.getvalue(), "image/jpeg")})
        return body["id"]

    @staticmethod
    def now() -> str:
        return datetime.now(CST).isoformat(timespec="seconds")

    # -- 扫码实操 ---------------------------------------------------------------------------------------
    def practice(self) -> dict:
        self.section("扫码实操：扫码 → 实操记录 → 逐步填写 → 自动生成整改工单", "Practice: scan → run → steps → corrective order")
        worker = "demo-worker-chen"
        me = self.login(worker)
        points = self.call("GET", "/points", who="demo-admin", params={"active": "true"})["items"]
        point = next(p for p in points if p["procedures"] and p["code"].startswith("HVAC")) if any(
            p["code"].startswith("HVAC") and p["procedures"] for p in points) else next(p for p in points if p["procedures"])
        self.say(f"{me['name']} 扫描“{point['name']}”的标签（二维码 {point['qr_code']}）",
                 f"{me['name']} scans the label of point {point['code']} (QR {point['qr_code']})")
        scan = self.call("GET", f"/scan/{point['qr_code']}", who=worker,
                         params={"source": "camera", "client_time": self.now()})
        procedure = scan["procedures"][0]
        self.say(f"服务器返回实操点与现行规程《{procedure['title']}》（{procedure['code']}，第 {procedure['version']} 版，"
                 f"{len(procedure['steps'])} 步）", f"the server answers the point and the current procedure "
                 f"{procedure['code']} v{procedure['version']} ({len(procedure['steps'])} steps)")
        run = self.call("POST", "/runs", who=worker, json={
            "client_id": str(uuid.uuid4()), "point_code": point["qr_code"], "procedure_version_id": procedure["version_id"],
            "started_at": self.now(), "scan_id": scan["scan_id"]})
        self.say(f"开始实操记录 #{run['id']}", f"run #{run['id']} started (status {run['status']})")
        failed = None
        verdicts = {}
        for step in procedure["steps"]:
            body: dict = {"client_id": str(uuid.uuid4()), "step_id": step["id"], "recorded_at": self.now(),
                          "note": "", "photo_ids": []}
            if step["condition"] and not any(verdicts.get(step["condition"]["step_id"]) == v
                                             for v in step["condition"]["verdicts"]):
                continue  # hidden: its condition does not hold
            kind = step["type"]
            if kind == "check":
                body["value"] = "pass"
            elif kind == "number":
                low, high = step["lower_limit"], step["upper_limit"]
                if failed is None and high is not None:
                    body["value"], body["note"] = high + 1.5, "读数偏高（导览演示）"
                else:
                    body["value"] = (low + high) / 2 if low is not None and high is not None else (low or high or 1)
            elif kind == "meter":
                body["value"] = 1234.5
            elif kind == "choice":
                body["value"] = next(o["value"] for o in step["options"] if o["verdict"] == "pass")
            elif kind == "text":
                body["value"] = "导览演示：情况正常"
            elif kind in ("photo", "signature"):
                body["photo_ids"] = [self.photo(worker) for _ in range(max(step["min_photos"], 1) if kind == "photo" else 1)]
            record = self.call("POST", f"/runs/{run['id']}/steps", who=worker, json=body)
            verdicts[step["id"]] = record["verdict"]
            if record["verdict"] in ("fail", "flag") and failed is None:
                failed = step
                self.say(f"第 {step['position']} 步“{step['title']}”填 {body.get('value')}{step.get('unit') or ''}："
                         f"服务器判定为{'不合格' if record['verdict'] == 'fail' else '关注'}",
                         f"step {step['position']} '{step['title']}' = {body.get('value')}: the server's verdict is {record['verdict']}")
        self.say(f"已填写 {len(verdicts)} 步（拍照、签名步骤先上传照片）",
                 f"{len(verdicts)} steps recorded (photo and signature steps upload their images first)")
        done = self.call("POST", f"/runs/{run['id']}/complete", who=worker, json={"completed_at": self.now()})
        self.say(f"完成实操：结论 {done['verdict']}，待审核（{done['review_state']}）",
                 f"run completed: verdict {done['verdict']}, review {done['review_state']}")
        detail = self.call("GET", f"/runs/{run['id']}", who=worker)
        orders = detail.get("work_orders") or []
        if not orders:
            raise TourError(f"a failed step opened no corrective work order: {json.dumps(detail)[:400]}")
        order = orders[0]
        self.say(f"不合格步骤自动生成整改工单 {order.get('number', order.get('id'))}",
                 f"the failed step opened corrective work order {order.get('number', order.get('id'))}")
        return {"order_id": order["id"], "point": point, "worker": worker}

    # -- 报修工单 ---------------------------------------------------------------------------------------
    def workorder(self, found: dict) -> None:
        self.section("报修工单：派单 → 接单 → 到场签到 → 维修 → 完工 → 评价", "Work order: dispatch → accept → arrive → complete → rate")
        order_id, point = found["order_id"], found["point"]
        order = self.call("GET", f"/workorders/{order_id}", who="demo-dispatcher")
        assignee_code = "demo-master-wang"
        assignee = self.login(assignee_code)
        dispatched = self.call("POST", f"/workorders/{order_id}/dispatch", who="demo-dispatcher",
                               json={"assignee_id": assignee["id"]}, expect=(200, 201, 422))
        if "code" in dispatched and dispatched.get("code") == "assignee_not_qualified":
            assignee_code = found["worker"]
            assignee = self.login(assignee_code)
            dispatched = self.call("POST", f"/workorders/{order_id}/dispatch", who="demo-dispatcher",
                                   json={"assignee_id": assignee["id"]})
        elif "code" in dispatched:
            raise TourError(f"dispatch refused: {dispatched}")
        self.say(f"调度员把工单 {order['number']} 派给 {assignee['name']}（{dispatched['state']}）",
                 f"the dispatcher dispatches {order['number']} to {assignee['name']} (state {dispatched['state']})")
        self.call("POST", f"/workorders/{order_id}/accept", who=assignee_code)
        self.say(f"{assignee['name']} 接单", f"{assignee['name']} accepts")
        arrived = self.call("POST", f"/workorders/{order_id}/arrive", who=assignee_code, json={
            "scan_code": point["qr_code"], "source": "camera", "client_time": self.now()})
        self.say(f"到场扫码签到（{arrived['state']}）", f"arrives and scans the point's label (state {arrived['state']})")
        self.call("POST", f"/workorders/{order_id}/start", who=assignee_code)
        completed = self.call("POST", f"/workorders/{order_id}/complete", who=assignee_code,
                              json={"run_ids": [], "note": "导览演示：已处理", "photo_ids": []})
        self.say(f"维修完工，等待报修人确认（{completed['state']}）", f"work completed, awaiting the requester (state {completed['state']})")
        requester = next((code for code, user in self.users.items() if user["id"] == (order.get("requester") or {}).get("id")),
                         found["worker"])
        confirmed = self.call("POST", f"/workorders/{order_id}/confirm", who=requester,
                              json={"rating": 5, "comment": "处理及时"})
        self.say(f"报修人确认并评价 5 星，工单关闭（{confirmed['state']}）",
                 f"the requester confirms with a 5-star rating: the order is closed (state {confirmed['state']})")

    # -- 技能比武 ---------------------------------------------------------------------------------------
    def contest(self) -> None:
        self.section("技能比武：裁判评分 → 实时榜单（websocket）", "Contest: a judge's mark → the live board (websocket)")
        contests = self.call("GET", "/competitions", who="demo-chief-judge")
        contest = contests[0]
        ws_base = self.base.replace("http", "ws", 1)
        for n in range(1, 6):  # the demo's five judges
            judge = f"demo-judge-{n}"
            try:
                assignments = self.call("GET", "/judging/assignments", who=judge)
            except TourError:
                continue
            events = [e for e in assignments["events"] if e["state"] == "open" and e["role"] == "judge"]
            pick = None
            for event in events:
                for entry in event["entries"]:
                    if entry["recused"] or entry["submitted"]:
                        continue
                    aspect = next((a for a in event["aspects"] if a["kind"] == "measurement"), None)
                    if aspect:
                        pick = (event, entry, aspect)
                        break
                if pick:
                    break
            if pick:
                break
        else:
            detail = self.call("GET", f"/competitions/{contest['id']}", who="demo-chief-judge")
            if detail["events"] and all(e["state"] == "published" for e in detail["events"]):
                self.say("比武项目均已公布成绩（此前的导览已走完评分、锁定与公布）",
                         "every event is published already (an earlier tour walked marking, lock and publish)")
                return
            raise TourError("no demo judge has an open event with an entry to mark")
        event, entry, aspect = pick
        with connect(f"{ws_base}/ws/competitions/{contest['id']}/board/", open_timeout=10) as ws:
            snapshot = json.loads(ws.recv(timeout=10))
            self.say(f"大屏连上公开榜 websocket：快照 seq={snapshot['seq']}，{len(snapshot['events'])} 个项目",
                     f"the big screen opens the board websocket: snapshot seq={snapshot['seq']}, {len(snapshot['events'])} events")
            value = str(round(float(aspect["max_mark"]) * 0.8, 2))
            result = self.call("POST", "/judging/marks", who=judge, json={"marks": [{
                "client_id": str(uuid.uuid4()), "entry_id": entry["id"], "aspect_id": aspect["id"], "value": value}]})
            status = result["results"][0]["status"]
            self.say(f"{self.users[judge]['name']} 给选手 {entry['code']} 的“{aspect['name']}”打 {value} 分（{status}）",
                     f"judge {self.users[judge]['name']} marks entry {entry['code']} on '{aspect['name']}': {value} ({status})")
            deadline = time.time() + 10
            while time.time() < deadline:
                frame = json.loads(ws.recv(timeout=10))
                if frame["type"] == "update":
                    rows = [r for e in frame["events"] for r in e["rows"] if r["code"] == entry["code"]]
                    shown = f"，{entry['code']} 现为第 {rows[0]['rank']} 名、总分 {rows[0]['total']}" if rows else ""
                    self.say(f"榜单 websocket 收到更新 seq={frame['seq']}{shown}",
                             f"the board websocket receives update seq={frame['seq']}"
                             + (f": {entry['code']} now rank {rows[0]['rank']}, total {rows[0]['total']}" if rows else
                                " (frozen or unchanged rows)"))
                    break
            else:
                raise TourError("the board websocket received no update after the mark")
        self.close_event(event, entry)

    def close_event(self, event: dict, entry: dict) -> None:
        """The rest of a contest day: every judge submits their sheets, the chief judge locks and publishes,
        a contestant appeals and the arbitrator decides."""
        sheets, measured = 0, set()
        for n in range(1, 6):
            judge = f"demo-judge-{n}"
            assignments = self.call("GET", "/judging/assignments", who=judge)
            for mine in assignments["events"]:
                if mine["id"] != event["id"] or mine["role"] != "judge":
                    continue
                marked = {(m["entry_id"], m["aspect_id"]) for m in mine["marks"]}
                for sheet in mine["entries"]:
                    if sheet["recused"] or sheet["submitted"]:
                        continue
                    marks = []
                    for aspect in mine["aspects"]:
                        if aspect["kind"] == "judgement" and (sheet["id"], aspect["id"]) not in marked:
                            value = str(min(2, aspect["scale_max"]))
                        elif aspect["kind"] == "measurement" and (sheet["id"], aspect["id"]) not in measured:
                            value = str(round(float(aspect["max_mark"]) * 0.8, 2))
                            measured.add((sheet["id"], aspect["id"]))
                        else:
                            continue
                        marks.append({"client_id": str(uuid.uuid4()), "entry_id": sheet["id"],
                                      "aspect_id": aspect["id"], "value": value})
                    if marks:
                        self.call("POST", "/judging/marks", who=judge, json={"marks": marks})
                    self.call("POST", f"/judging/entries/{sheet['id']}/submit", who=judge)
                    sheets += 1
        self.say(f"裁判们补齐并提交其余 {sheets} 份评分表（提交后成绩才上公开榜）",
                 f"the judges complete and submit their other {sheets} sheets (figures reach the public board "
                 "only once an entry's whole panel has submitted)")
        chief = "demo-chief-judge"
        locked = self.call("POST", f"/judging/events/{event['id']}/lock", who=chief)
        self.say(f"裁判长锁定项目“{event['name']}”（{locked['state']}），评分不再可改",
                 f"the chief judge locks '{event['name']}' (state {locked['state']}): marks can no longer change")
        drawn = self.call("POST", f"/competitions/events/{event['id']}/recheck", who=chief)
        for row in drawn["entries"]:  # a second official confirms every drawn result
            self.call("POST", f"/competitions/events/{event['id']}/recheck/{row['entry_id']}/confirm",
                      who="demo-arbitrator", json={"note": "导览演示：复核无误"})
        self.say(f"裁判长抽取复核名单 {len(drawn['entries'])} 人（前 10 名全部 + 其余抽样），仲裁逐一确认",
                 f"the chief judge draws {len(drawn['entries'])} results to recheck (the top 10 and a sample); "
                 "the arbitrator confirms each")
        published = self.call("POST", f"/judging/events/{event['id']}/publish", who=chief)
        deadline = datetime.fromisoformat(published["appeal_deadline"]).astimezone(CST)
        self.say(f"公布成绩（{published['state']}），申诉截止 {deadline:%m-%d %H:%M}",
                 f"results published (state {published['state']}); appeals until {deadline:%m-%d %H:%M} (Asia/Shanghai)")
        appeal = None
        for n in range(1, 9):  # the contestant of the entry marked above appeals (others' entries answer 404)
            answer = self.call("POST", f"/competitions/entries/{entry['id']}/appeals", who=f"demo-contestant-{n}",
                               expect=(200, 201, 404), json={"client_id": str(uuid.uuid4()),
                                                             "reason": "导览演示：对测量项得分有疑问"})
            if answer.get("id"):
                appeal = answer
                break
        if appeal is None:
            raise TourError(f"no demo contestant could appeal for entry {entry['code']}")
        self.say(f"选手{self.users[f'demo-contestant-{n}']['name']}（{entry['code']}）提出申诉 #{appeal['id']}（{appeal['status']}）",
                 f"contestant {entry['code']} files appeal #{appeal['id']} ({appeal['status']})")
        decided = self.call("POST", f"/judging/appeals/{appeal['id']}/decide", who="demo-arbitrator",
                            json={"decision": "rejected", "reason": "导览演示：复核测量记录无误"})
        self.say(f"仲裁裁决申诉：{ {'rejected': '驳回', 'upheld': '成立'}.get(decided['status'], decided['status'])}",
                 f"the arbitrator decides the appeal: {decided['status']}")

    # -- 问卷评价 ---------------------------------------------------------------------------------------
    def survey(self) -> None:
        self.section("问卷评价：学员填写课程满意度问卷", "Surveys: a learner answers a course survey")
        learner = "demo-apprentice-zhao"
        pending = [s for s in self.call("GET", "/surveys/mine", who=learner)
                   if s["state"] == "open" and not s["responded"]]
        if not pending:
            self.say("没有待填写的问卷", "no survey waiting for this learner")
            return
        survey = self.call("GET", f"/surveys/{pending[0]['id']}", who=learner)
        answers: dict[str, object] = {}
        for question in survey["questions"]:
            condition, kind = question.get("show_if"), question["kind"]
            if condition:  # shown only after certain answers to an earlier question
                given = answers.get(condition["question"])
                if not any(v in condition["in"] for v in (given if isinstance(given, list) else [given])):
                    continue
            if kind == "scale":
                answers[question["key"]] = question["scale"]["max"]
            elif kind == "nps":
                answers[question["key"]] = 9
            elif kind == "matrix":
                answers[question["key"]] = {row["key"]: question["scale"]["max"] for row in question["rows"]}
            elif kind in ("single", "multiple"):
                first = question["options"][0]["value"]
                answers[question["key"]] = first if kind == "single" else [first]
            elif kind == "text":
                answers[question["key"]] = "导览演示：实操安排得很好"
        self.call("POST", f"/surveys/{survey['id']}/responses", who=learner,
                  json={"client_id": str(uuid.uuid4()), "answers": answers})
        anonymous = "匿名" if survey["anonymous"] else "实名"
        self.say(f"{self.users[learner]['name']}填写《{survey['title']}》（{anonymous}，{len(answers)} 题）并提交",
                 f"{self.users[learner]['name']} answers '{survey['title']}' ({len(answers)} questions, "
                 f"{'anonymous' if survey['anonymous'] else 'named'})")

    # -- 专家库 -----------------------------------------------------------------------------------------
    def experts(self) -> None:
        self.section("专家库：随机抽取评审专家 → 验证抽取 → 专家确认", "Experts: a random draw → its check → an expert accepts")
        admin = "demo-admin"
        draw = self.call("POST", "/experts/draws", who=admin,
                         json={"purpose": "导览演示：评审专家", "count": 2, "backups": 1})
        names = "、".join(m["expert_name"] for m in draw["members"])
        self.say(f"管理员从 {len(draw['candidates'])} 位候选专家中抽取 {draw['count']} 位（另备选 {draw['backups']} 位）：{names}",
                 f"the admin draws {draw['count']} of {len(draw['candidates'])} candidates (+{draw['backups']} backup): {names}")
        check = self.call("GET", f"/experts/draws/{draw['id']}/verify", who=admin)
        self.say(f"任何人可按公开的种子复算抽取结果：{'一致' if check['matches'] else '不一致'}（{check['algorithm']}）",
                 f"anyone can recompute the draw from its published seed: matches={check['matches']} ({check['algorithm']})")
        if not check["matches"]:
            raise TourError(f"the draw does not verify: {check}")
        seats = {m["id"] for m in draw["members"]}
        for person in ("demo-leader-hvac", "demo-master-wang", "demo-supervisor"):
            mine = [i for i in self.call("GET", "/experts/invitations", who=person) if i["seat"]["id"] in seats]
            if mine:
                seat = mine[0]["seat"]
                answered = self.call("POST", f"/experts/invitations/{seat['id']}/answer", who=person,
                                     json={"accept": True})
                self.say(f"专家{seat['expert_name']}在小程序里接受邀请（{answered['status_label']}）",
                         f"expert {seat['expert_name']} accepts in the mini-program ({answered['status']})")
                break
        else:
            seat = draw["members"][0]
            answered = self.call("POST", f"/experts/draws/{draw['id']}/seats/{seat['id']}/answer", who=admin,
                                 json={"accept": True, "reason": "电话确认"})
            self.say(f"管理员代专家{seat['expert_name']}登记接受（电话确认，{answered['status_label']}）",
                     f"the admin records expert {seat['expert_name']}'s acceptance by phone ({answered['status']})")

    # -- 师徒带教 ---------------------------------------------------------------------------------------
    def apprenticeship(self) -> None:
        self.section("师徒带教：徒弟的进度", "Apprenticeship: an apprentice's progress")
        apprentice = "demo-apprentice-li"
        mine = self.call("GET", "/apprenticeships/mine", who=apprentice)
        name, master = self.users[apprentice]["name"], (mine.get("master") or {}).get("name", "")
        rag = {"green": "正常", "amber": "关注", "red": "滞后"}.get(mine["rag"], mine["rag"])
        self.say(f"徒弟{name}（师傅{master}，目标{mine['target_level_label']}）：进度 {mine['progress_pct']}%"
                 f"（应达 {mine['expected_pct']}%），学时 {mine['hours']}/{mine['planned_hours']}，"
                 f"已签认能力 {mine['competencies_signed']}/{mine['competencies_total']}，状态{rag}",
                 f"apprentice {name} (master {master}): progress {mine['progress_pct']}% (expected "
                 f"{mine['expected_pct']}%), hours {mine['hours']}/{mine['planned_hours']}, competencies signed "
                 f"{mine['competencies_signed']}/{mine['competencies_total']}, RAG {mine['rag']}")
        self.call("POST", f"/apprenticeships/{mine['id']}/hours", who=apprentice, json={
            "client_id": str(uuid.uuid4()), "date": datetime.now(CST).date().isoformat(), "hours": 2,
            "description": "导览演示：跟师傅巡检冷水机组"})
        after = self.call("GET", "/apprenticeships/mine", who=apprentice)
        self.say(f"记录 2 小时带教学时后：学时 {after['hours']}，进度 {after['progress_pct']}%",
                 f"after logging 2 hours of training: hours {after['hours']}, progress {after['progress_pct']}%")

    # -- 线上培训 ---------------------------------------------------------------------------------------
    def training(self) -> None:
        self.section("线上培训与认证考核：观看课时 → 参加考试", "Training: watch a lesson → sit an exam")
        learner = "demo-apprentice-li"
        mine = self.call("GET", "/learning/mine", who=learner)
        course = next(c for c in mine["courses"] if c.get("resume"))
        resume = course["resume"]
        media = self.call("GET", f"/lessons/{resume['lesson_id']}/media", who=learner)
        start = float(resume["position_s"] or 0)
        report = self.call("POST", "/learning/progress", who=learner, json={"items": [{
            "client_id": str(uuid.uuid4()), "lesson_id": resume["lesson_id"], "position_s": start + 5,
            "watched": [[start, start + 5]], "at": self.now()}]})
        item = report["results"][0] if "results" in report else report["items"][0]
        self.say(f"从第 {start:.0f} 秒继续观看《{resume['title']}》（签名链接 {media['content_type']}），上报进度：{item['status']}",
                 f"resumes '{resume['title']}' at {start:.0f} s (signed link, {media['content_type']}); progress report {item['status']}")
        exams = self.call("GET", "/exams", who="demo-worker-chen")
        sit = next((e for e in exams if e["may_start"]), None)
        if sit is None:
            self.say("没有可参加的考试", "no exam open to this user")
            return
        attempt = self.call("POST", f"/exams/{sit['exam']['id']}/attempts", who="demo-worker-chen")
        answers = []
        for question in attempt["questions"]:
            kind = question["kind"]
            answer = (question["options"][0]["key"] if kind == "single" else [question["options"][0]["key"]]
                      if kind == "multiple" else True if kind == "true_false" else ["答案"] * max(question.get("blanks") or 1, 1))
            answers.append({"question_id": question["question_id"], "answer": answer, "seq": 1})
        submitted = self.call("POST", f"/attempts/{attempt['id']}/submit", who="demo-worker-chen", json={"answers": answers})
        result = submitted.get("result")
        shown = f"得分 {result['score']}，{'通过' if result['passed'] else '未通过'}" if result else "成绩待公布"
        self.say(f"{self.users['demo-worker-chen']['name']} 参加《{sit['exam']['title']}》，答 {len(answers)} 题并交卷：{shown}",
                 f"{self.users['demo-worker-chen']['name']} sits '{sit['exam']['title']}', answers {len(answers)} questions: "
                 + (f"score {result['score']}, passed={result['passed']}" if result else "result not yet released"))


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    tour = Tour(base)
    print(f"实训 Shixun 导览 / tour of the demo at {base}")
    try:
        requests.get(f"{base}/healthz", timeout=5).raise_for_status()
        found = tour.practice()
        tour.workorder(found)
        tour.contest()
        tour.apprenticeship()
        tour.training()
        tour.survey()
        tour.experts()
    except (TourError, requests.RequestException, StopIteration, KeyError, TimeoutError) as exc:
        print(f"\n导览中断 / the tour stopped: {exc!r}", file=sys.stderr)
        return 1
    print("\n导览完成：每个流程都走通了 / tour complete: every flow worked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
