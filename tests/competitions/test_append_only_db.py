"""The database refuses to rewrite facts (ADR 0070): row triggers installed by each app's migration
reject UPDATE and DELETE on append-only tables, whether the code goes through `QuerySet.update()`,
`QuerySet.delete()` or raw SQL, on SQLite and on PostgreSQL. Only `maintenance()` lets a deliberate job
through."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from competitions.models import AuditLog, Mark, SheetSubmission
from miniprogram_api.append_only import AppendOnlyModel, maintenance
from tests.conftest import is_postgres


def protected_tables() -> set[str]:
    tables = {m._meta.db_table for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
    return tables | {apps.get_model("practice", "StepRecord")._meta.db_table}


def triggers_on(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
                           [table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def refused(action) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        action()
    assert "append-only" in str(caught.value)
    return str(caught.value)


def raw(sql, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return run


def test_every_append_only_table_has_its_triggers(db):
    tables = protected_tables()
    assert {"competitions_mark", "competitions_auditlog", "apprenticeships_evidence", "workorders_workorderevent",
            "workorders_steprecord"} <= tables
    for table in sorted(tables):
        found = triggers_on(table)
        expected = {f"{table}_append_only"} if is_postgres() else {
            f"{table}_append_only_update", f"{table}_append_only_delete"}
        assert expected <= found, f"{table}: triggers {found} (a migration rebuilt the table? protect() it again)"


def assert_marks_are_facts(kit):
    entry = kit.entries[2]
    kit.complete(entry)
    mark = Mark.objects.filter(entry=entry).order_by("id").first()
    value = mark.value
    refused(lambda: Mark.objects.filter(pk=mark.pk).update(value=value + 1))
    refused(lambda: Mark.objects.filter(pk=mark.pk).delete())
    refused(raw("UPDATE competitions_mark SET value = value + 1 WHERE id = %s", [mark.pk]))
    refused(raw("DELETE FROM competitions_mark WHERE id = %s", [mark.pk]))
    refused(lambda: AuditLog.objects.filter(contest=kit.contest).update(reason="改写"))
    refused(raw("DELETE FROM competitions_auditlog"))
    refused(lambda: SheetSubmission.objects.filter(entry=entry).delete())
    mark.refresh_from_db()
    assert mark.value == value and AuditLog.objects.filter(contest=kit.contest, reason="改写").count() == 0
    # the deliberate way round, for a job that must (rolled back here)
    with pytest.raises(RuntimeError), maintenance():
        assert Mark.objects.filter(pk=mark.pk).update(value=value + 1) == 1
        raise RuntimeError("undo")
    mark.refresh_from_db()
    assert mark.value == value
    # and outside it the triggers hold again
    refused(lambda: Mark.objects.filter(pk=mark.pk).update(value=value + 1))
    # new facts are still welcome
    assert kit.client(kit.chief).post("judging/marks/override", {
        "client_id": "ov-db", "judge_id": kit.judges[1].id, "entry_id": entry.id,
        "aspect_id": kit.judgement[0].id, "value": "1", "reason": "核对原始评分表"}).status_code == 201


def test_marks_audit_and_sheets_are_refused_rewrites(kit):
    assert_marks_are_facts(kit)


def test_refused_on_postgresql_too(postgres, kit):
    assert_marks_are_facts(kit)
    assert triggers_on("competitions_mark") == {"competitions_mark_append_only"}


def test_evidence_history_and_step_records_of_the_demo_are_refused_rewrites(db):
    call_command("seed_demo", verbosity=0)
    for table in ("apprenticeships_evidence", "workorders_workorderevent", "workorders_steprecord",
                  "competitions_mark", "competitions_auditlog"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT min(id), count(*) FROM {table}")  # noqa: S608 - our own table names
            first, count = cursor.fetchone()
        assert count > 0, f"the demo has no rows in {table}"
        refused(raw(f"UPDATE {table} SET id = id WHERE id = %s", [first]))  # noqa: S608
        refused(raw(f"DELETE FROM {table} WHERE id = %s", [first]))  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            assert cursor.fetchone()[0] == count
