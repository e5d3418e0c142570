"""Append-only facts: rows written once, never edited or deleted in place.

Marks, audit entries, evidence, signatures, reviews and work-order history are evidence that people
rely on later (an appeal, an audit, a 出师 certificate). A correction is a new row with an actor and a
reason. The model refuses `save()` on an existing row and `delete()`; the admin shows such rows
read-only (`miniprogram_api.admin.ReadOnlyAdmin`).
"""

from __future__ import annotations

from django.db import models


class AppendOnlyError(Exception):
    """Code tried to edit or delete an append-only row."""


class AppendOnlyModel(models.Model):
    """Rows that are written once. Corrections are new rows, so history stays auditable."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


# --- the database refuses too (ADR 0070) --------------------------------------------------------------
# `save()`/`delete()` are one door; `QuerySet.update()`, `QuerySet.delete()`, bulk helpers and raw SQL are
# others. Each app's migration installs row triggers (`protect(table)`) that make PostgreSQL and SQLite
# refuse UPDATE and DELETE on its append-only tables, whoever asks. The one way round is `maintenance()`,
# for the rare, deliberate job that must rewrite facts (tests tearing a database down; a legal erasure).

BYPASS_SETTING = "shixun.append_only_bypass"  # PostgreSQL: a transaction-local setting
BYPASS_FUNCTION = "shixun_append_only_bypass"  # SQLite: a function each connection registers
PROTECTED_TABLES: set[str] = set()  # filled by the migrations that protect a table (for the checks)

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION shixun_refuse_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('{BYPASS_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
"""


def _pg_sql(table: str) -> list[str]:
    return [PG_FUNCTION,
            f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"',
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            f"FOR EACH ROW EXECUTE FUNCTION shixun_refuse_rewrite()"]


def _sqlite_sql(table: str) -> list[str]:
    out = []
    for op in ("UPDATE", "DELETE"):
        name = f"{table}_append_only_{op.lower()}"
        out += [f'DROP TRIGGER IF EXISTS "{name}"',
                f'CREATE TRIGGER "{name}" BEFORE {op} ON "{table}" WHEN {BYPASS_FUNCTION}() = 0 '
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only: {op} refused'); END"]
    return out


def _drop_sql(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{table}_append_only" ON "{table}"']
    return [f'DROP TRIGGER IF EXISTS "{table}_append_only_{op}"' for op in ("update", "delete")]


def install_sql(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _pg_sql(table)
    if vendor == "sqlite":
        return _sqlite_sql(table)
    raise NotImplementedError(f"append-only triggers for {vendor}")


def protect(*tables: str):
    """A migration operation: row triggers that refuse UPDATE and DELETE on `tables` (reversible).

    On SQLite, a later migration that rebuilds one of these tables (most AlterField/RemoveField do)
    drops its triggers with the old table: end such a migration with `protect(table)` again;
    `tests/test_append_only_db.py` checks every protected table still has its triggers."""
    from django.db import migrations

    PROTECTED_TABLES.update(tables)

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for table in tables:
            for sql in install_sql(table, vendor):
                schema_editor.execute(sql, None)

    def backward(apps, schema_editor):
        for table in tables:
            for sql in _drop_sql(table, schema_editor.connection.vendor):
                schema_editor.execute(sql, None)

    return migrations.RunPython(forward, backward, elidable=False)


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: the SQLite triggers ask this connection whether it is in
    `maintenance()`. (A connection without the function, e.g. the sqlite3 shell, is refused.)"""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        BYPASS_FUNCTION, 0, lambda: 1 if getattr(connection, "append_only_bypass", False) else 0)


class maintenance:  # noqa: N801 - used as `with maintenance():`
    """Let this connection rewrite append-only rows for the duration of the block (inside one
    transaction on PostgreSQL). Never for application code paths: corrections are new rows."""

    def __init__(self, using: str = "default"):
        self.using = using

    def __enter__(self):
        from django.db import connections, transaction

        self.connection = connections[self.using]
        self.atomic = transaction.atomic(using=self.using)
        self.atomic.__enter__()
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [BYPASS_SETTING])
        else:
            self.connection.append_only_bypass = True
        return self

    def __exit__(self, *exc):
        if self.connection.vendor != "postgresql":
            self.connection.append_only_bypass = False
        elif exc[0] is None:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [BYPASS_SETTING])
        return self.atomic.__exit__(*exc)


def allow_flush() -> None:
    """`flush` (manage.py flush, and the test runner between transactional tests) wipes every table
    on purpose. PostgreSQL does it with TRUNCATE, which row triggers do not see; SQLite with DELETE, which
    they would refuse. So a flush runs in `maintenance()` on every database: the same on both."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush
    if getattr(original, "append_only_aware", False):
        return

    def execute_sql_flush(self, sql_list):
        with maintenance(self.connection.alias):
            return original(self, sql_list)

    execute_sql_flush.append_only_aware = True  # type: ignore[attr-defined]
    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
