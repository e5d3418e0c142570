"""Contest rows as the mini-program and the jury see them (plain dicts; the socket and board texts are
built in board.py)."""

from __future__ import annotations

from .models import Appeal, AuditLog, Contest, Event, ModerationRequest, PublishedResult


def contest_list_item(contest: Contest) -> dict:
    """A contest in the list, with its events that have opened (drafts are the organiser's business)."""
    return {"id": contest.id, "name": contest.name, "venue": contest.venue, "starts_at": contest.starts_at,
            "events": [{"id": e.id, "name": e.name, "state": e.state} for e in contest.events.all()
                       if e.state != Event.State.DRAFT]}


def event_state_out(event: Event) -> dict:
    return {"id": event.id, "state": event.state,
            "locked_at": event.locked_at.isoformat() if event.locked_at else None,
            "published_at": event.published_at.isoformat() if event.published_at else None,
            "appeal_deadline": event.appeal_deadline.isoformat() if event.appeal_deadline else None}


def audit_entry_out(entry: AuditLog) -> dict:
    return {"id": entry.id, "event_id": entry.event_id, "action": entry.action,
            "action_display": entry.get_action_display(), "actor": {"id": entry.actor_id, "name": entry.actor.name},
            "entry_id": entry.entry_id, "aspect_id": entry.aspect_id, "reason": entry.reason, "data": entry.data,
            "created_at": entry.created_at.isoformat()}


def remark_request_out(request: ModerationRequest, *, with_source: bool = True) -> dict:
    out = {"id": request.id, "entry_id": request.entry_id, "aspect_id": request.aspect_id, "judges": request.judges,
           "reason": request.reason, "status": request.status}
    if with_source:
        out.update(source=request.source, created_at=request.created_at.isoformat())
    return out


def appeal_out(appeal: Appeal) -> dict:
    return {"id": appeal.id, "entry_id": appeal.entry_id, "aspect_id": appeal.aspect_id, "reason": appeal.reason,
            "status": appeal.status, "decision_reason": appeal.decision_reason,
            "created_at": appeal.created_at.isoformat(),
            "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
            "remark_request_ids": [r.id for r in appeal.remark_requests.all()] if appeal.pk else []}


def result_version_out(result: PublishedResult) -> dict:
    return {"event_id": result.event_id, "event": result.event.name, "version": result.version,
            "published_at": result.published_at.isoformat(), "published_by": result.published_by.name,
            "reason": result.reason, "appeal_id": result.appeal_id, "rows": result.rows, "changes": result.changes}
