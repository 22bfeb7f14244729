"""Fixed-shape reads and writes for the hot paths, without compiling a queryset on every call.

`select_one` / `select_all` give what `Model.objects.filter(...).first()` / a list gives:
the SELECT is written once per model and condition from `_meta` (`table`, `column`,
`where`, `join`), and rows become instances through the ORM's own converters. `queue_*`
send a read now and answer later; `together()` answers queued reads in one round trip;
`pipelined()` sends a batch of writes (`insert_rows`, `update_row`, `add_to_row`) with the
next read or at its end; `next_key` draws a key with a read. On PostgreSQL these use
psycopg's pipeline mode, where an ORM write is refused (`PipelineMisuse`); elsewhere each
statement runs when it is made. Use it only on hot paths, over indexed columns; everything
else uses the ORM. Why and how much: docs/architecture.md (the fast path).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


class PipelineMisuse(RuntimeError):
    """An ORM write was made inside `pipelined()` or `together()`, where its answer would be wrong."""


_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _refuse_orm_writes(execute, sql, params, many, context):
    """Execute wrapper of the pipeline blocks: only this module's own writes may run in them.

    In pipeline mode psycopg reports no row count (-1) until the pipeline is synced, so
    `QuerySet.update()`/`delete()` return -1 and `Model.save()` of an existing row takes the
    UPDATE for a miss and INSERTs again (a duplicate-key IntegrityError). SQLite never runs
    a pipeline, so a test there cannot see it: the block refuses such writes on the spot.
    """
    connection_ = context["connection"]
    if not getattr(connection_, "rows_own_statement", False) and sql.lstrip()[:6].upper() in _WRITES:
        raise PipelineMisuse(
            "ORM write inside core.rows.pipelined()/together() (PostgreSQL pipeline mode, row counts "
            "are not known there): write with core.rows.insert_rows/update_row/add_to_row, or move "
            f"it out of the block. Statement: {sql[:120]}"
        )
    return execute(sql, params, many, context)


def _execute_own(db, cursor, sql: str, params) -> None:
    """Run one of this module's writes (allowed in a pipeline block: it needs no row count)."""
    db.rows_own_statement = True
    try:
        cursor.execute(sql, params)
    finally:
        db.rows_own_statement = False


def _db():
    """The default database's wrapper itself (`connection` is a proxy that finds it again on every attribute)."""
    return connections[DEFAULT_DB_ALIAS]


@lru_cache(maxsize=128)
def table(model) -> str:
    """The model's table, quoted, from `_meta` (never typed out at a call site)."""
    return connection.ops.quote_name(model._meta.db_table)


@lru_cache(maxsize=256)
def column(model, name: str) -> str:
    """`"table"."column"` of the model's field `name` (a foreign key gives its `_id` column)."""
    return f"{table(model)}.{connection.ops.quote_name(model._meta.get_field(name).column)}"


@lru_cache(maxsize=128)
def where(model, *names: str) -> str:
    """`"table"."a" = %s AND "table"."b" = %s` over the model's fields `names` (a fixed condition)."""
    return " AND ".join(f"{column(model, name)} = %s" for name in names)


@lru_cache(maxsize=64)
def join(first, second, on: str) -> str:
    """`first JOIN second ON second.on = first.on`: two models sharing a foreign key named `on`."""
    return f"{table(first)} JOIN {table(second)} ON {column(second, on)} = {column(first, on)}"


def date_literal(day) -> str:
    """`day` as an SQL literal on the default database: a DATE on PostgreSQL, ISO text on SQLite."""
    return f"DATE '{day.isoformat()}'" if connection.vendor == "postgresql" else f"'{day.isoformat()}'"


def sql_month_of(column: str) -> str:
    """SQL: the first day of the month of the date `column` (a date)."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def sql_month_end(column: str) -> str:
    """SQL: the last day of the month that begins on `column`."""
    if connection.vendor == "postgresql":
        return f"CAST({column} + interval '1 month' - interval '1 day' AS date)"
    return f"date({column}, '+1 month', '-1 day')"


def sql_month_index(column: str) -> str:
    """SQL: the month of `column` as year × 12 + month (whole months apart subtract)."""
    if connection.vendor == "postgresql":
        return f"(CAST(EXTRACT(YEAR FROM {column}) AS integer) * 12 + CAST(EXTRACT(MONTH FROM {column}) AS integer))"
    return f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER))"


def sql_text(expression: str) -> str:
    """SQL: `expression` as text (an amount read as text is never a float on SQLite)."""
    return f"CAST({expression} AS {'text' if connection.vendor == 'postgresql' else 'TEXT'})"


def json_rows(columns: tuple[str, ...], source: str) -> str:
    """An SQL expression: the rows of `SELECT columns FROM source` as one JSON array of arrays.

    For a column that brings a few related rows along with the row it belongs to (the `extra` of
    `queue_all`), in the same statement. `source` is fixed text (a table or a parenthesised
    SELECT with its alias, and its WHERE). Read the value back with `from_json_rows`.
    """
    listed = ", ".join(columns)
    if connection.vendor == "postgresql":
        return f"(SELECT json_agg(json_build_array({listed})) FROM {source})"
    return f"(SELECT json_group_array(json_array({listed})) FROM {source})"


def from_json_rows(value) -> list:
    """The rows of a `json_rows` column: a list of lists (PostgreSQL's driver decodes JSON, SQLite gives text)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return list(value)


@lru_cache(maxsize=64)
def _columns(model, vendor: str):
    """The model's columns (table-qualified), their attribute names, and the ORM's converters per column."""
    fields = model._meta.concrete_fields
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f"{table}.{connection.ops.quote_name(field.column)}" for field in fields]
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)  # converters take the expression, as in the ORM
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return columns, [field.attname for field in fields], converters


@lru_cache(maxsize=64)
def _statement(model, condition: str, order_by: str, extra: tuple, for_update: bool, vendor: str):
    columns, attnames, converters = _columns(model, vendor)
    columns = columns + [f"({expression}) AS {connection.ops.quote_name(name)}" for name, expression in extra]
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {', '.join(columns)} FROM {table} WHERE {condition}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql, attnames, converters


def _instance(db, model, attnames, converters, row, extra):
    values = list(row[: len(attnames)])
    for index, column, functions in converters:
        value = values[index]
        for function in functions:
            value = function(value, column, db)
        values[index] = value
    instance = model.from_db(db.alias, attnames, values)
    for (name, _expression), value in zip(extra, row[len(attnames) :], strict=True):
        setattr(instance, name, value)
    return instance


def select_one(model, condition: str, params, *, for_update: bool = False):
    """The row of `model` where `condition` (SQL with %s placeholders) holds, or None.

    `condition` is fixed text naming quoted columns of a unique key, e.g. '"person_id" = %s';
    values only ever go in `params`. With `for_update` the row stays locked until the
    transaction ends.
    """
    return queue_one(model, condition, params, for_update=for_update)()


def queue_one(model, condition: str, params, *, for_update: bool = False):
    """`select_one`, sent now and answered later: returns the function that gives the answer.

    Reads queued in a `together()` block (or a `pipelined()` one) are answered in one round
    trip on PostgreSQL; elsewhere each runs when it is queued.
    """
    db = _db()
    sql, attnames, converters = _statement(model, condition, "", (), for_update, db.vendor)
    return _queued(
        db, sql, params, lambda row: _instance(db, model, attnames, converters, row, ()), many=False
    )


def select_all(model, condition: str, params, *, order_by: str, extra: tuple = ()) -> list:
    """Every row of `model` where `condition` holds, in `order_by` order (fixed SQL text).

    `extra` is a tuple of (attribute, SQL expression) pairs: each becomes an attribute of
    every instance, like `annotate(...)` (e.g. an EXISTS over a related table).
    """
    return queue_all(model, condition, params, order_by=order_by, extra=extra)()


def queue_all(model, condition: str, params, *, order_by: str, extra: tuple = ()):
    """`select_all`, sent now and answered later (see `queue_one`)."""
    db = _db()
    sql, attnames, converters = _statement(model, condition, order_by, extra, False, db.vendor)
    return _queued(
        db, sql, params, lambda row: _instance(db, model, attnames, converters, row, extra), many=True
    )


def _queued(db, sql: str, params, build, *, many: bool):
    cursor = db.cursor()
    try:
        cursor.execute(sql, params)
    except BaseException:
        cursor.close()
        raise

    def answer():
        try:
            with db.wrap_database_errors:
                rows = cursor.fetchall() if many else cursor.fetchone()
        finally:
            cursor.close()
        if many:
            return [build(row) for row in rows]
        return None if rows is None else build(rows)

    return answer


@contextmanager
def together():
    """Reads queued in the block go to PostgreSQL together and are answered at its end (one round trip).

    Outside a transaction as inside one; elsewhere a plain block. Take the answers after the block.
    """
    db = _db()
    if db.vendor != "postgresql":
        yield
        return
    db.ensure_connection()
    with db.execute_wrapper(_refuse_orm_writes), db.wrap_database_errors, db.connection.pipeline():
        yield


@lru_cache(maxsize=16)
def _joined_statement(models: tuple, from_clause: str, condition: str, for_update: bool, vendor: str):
    parts = [_columns(model, vendor) for model in models]
    columns = [column for model_columns, _attnames, _converters in parts for column in model_columns]
    sql = f"SELECT {', '.join(columns)} FROM {from_clause} WHERE {condition}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql, [(attnames, converters) for _columns_of, attnames, converters in parts]


def select_one_joined(
    models: tuple, from_clause: str, condition: str, params, *, for_update: bool = False
) -> tuple | None:
    """One row of several models joined (fixed FROM text), as a tuple of instances, or None.

    What `select_related` gives, for a lookup made on every request (an API token with its
    client and user). With `for_update` every joined row stays locked until the transaction
    ends, taken in the order of `from_clause` (one statement, one round trip).
    """
    return queue_one_joined(models, from_clause, condition, params, for_update=for_update)()


def queue_one_joined(models: tuple, from_clause: str, condition: str, params, *, for_update: bool = False):
    """`select_one_joined`, sent now and answered later: returns the function that gives the answer.

    In a `pipelined()` block, statements queued after it run after it (e.g. a `next_key` draw
    once its rows are locked) and one round trip answers them all.
    """
    db = _db()
    sql, parts = _joined_statement(models, from_clause, condition, for_update, db.vendor)

    def build(row) -> tuple:
        instances, start = [], 0
        for model, (attnames, converters) in zip(models, parts, strict=True):
            instances.append(
                _instance(db, model, attnames, converters, row[start : start + len(attnames)], ())
            )
            start += len(attnames)
        return tuple(instances)

    return _queued(db, sql, params, build, many=False)


@lru_cache(maxsize=64)
def _insert_statement(model, with_keys: bool, vendor: str):
    fields = [field for field in model._meta.local_concrete_fields if with_keys or not field.primary_key]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = "" if with_keys else f" RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
    return f"INSERT INTO {table} ({columns}) VALUES ", row, returning, fields


def insert_rows(instances: list) -> list:
    """INSERT new instances of one model in one statement; sets their primary keys; returns them.

    What `bulk_create` does for a model with an auto primary key and no multi-table
    inheritance, without compiling the statement on every call: each value goes through the
    field's `pre_save` (auto_now dates) and `get_db_prep_save` (JSON, Decimal), as in the ORM.
    Signals are not sent (as with `bulk_create`). Instances that all have their key already
    (`next_key`) are written with it. Otherwise the database gives the keys; in a
    `pipelined()` block they are set by the next `flush()` or at the end of the block.
    """
    if not instances:
        return instances
    db = _db()
    model: Any = type(instances[0])
    with_keys = all(instance.pk is not None for instance in instances)
    if not with_keys and not db.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(instances)
    head, row, returning, fields = _insert_statement(model, with_keys, db.vendor)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), db)
        for instance in instances
        for field in fields
    ]
    cursor = db.cursor()
    _execute_own(db, cursor, head + ", ".join([row] * len(instances)) + returning, values)
    if with_keys:
        cursor.close()
        _saved(db, instances)
        return instances
    pending = getattr(db, "rows_pending_keys", None)
    if pending is not None:
        pending.append((cursor, instances))
    else:
        _set_keys(db, cursor, instances)
    return instances


def _saved(db, instances) -> None:
    for instance in instances:
        instance._state.adding = False
        instance._state.db = db.alias


def _set_keys(db, cursor, instances) -> None:
    try:
        keys = cursor.fetchall()
    finally:
        cursor.close()
    for instance, (key,) in zip(instances, keys, strict=True):
        instance.pk = key
    _saved(db, instances)


def next_key(model):
    """Draw the model's next primary key from its sequence (PostgreSQL); None elsewhere.

    Returns a function that gives the key. In a `pipelined()` block the draw is only queued,
    so it travels with the next read and calling the function after that read costs no round
    trip: rows that refer to a new row can then be sent with it (`insert_rows` writes an
    instance's key when it has one).
    """
    db = _db()
    if db.vendor != "postgresql":
        return None
    sql = "SELECT nextval(pg_get_serial_sequence(%s, %s))"
    return _queued(db, sql, [model._meta.db_table, model._meta.pk.column], lambda row: row[0], many=False)


@contextmanager
def pipelined():
    """Send the block's statements to PostgreSQL together (pipeline mode); elsewhere a plain block.

    A read (`select_one`, a `fetch…`) sends what is queued and waits for its answer; writes
    nobody reads wait for the next read, a `flush()` or the end of the block. Database errors
    of queued statements are raised there, as Django's exceptions. Use it inside
    `transaction.atomic()`, so that the COMMIT follows the block's last answer, and only
    around a batch of writes made with `insert_rows`, `update_row` and `add_to_row`: an ORM
    write in the block raises `PipelineMisuse` (see `_refuse_orm_writes`).
    """
    db = _db()
    if db.vendor != "postgresql" or getattr(db, "rows_pending_keys", None) is not None:
        yield
        return
    db.ensure_connection()
    db.rows_pending_keys = []
    try:
        with (
            db.execute_wrapper(_refuse_orm_writes),
            db.wrap_database_errors,
            db.connection.pipeline() as pipeline,
        ):
            db.rows_pipeline = pipeline
            yield
        db.rows_pipeline = None  # the block's end has sent and answered everything
        flush()
    finally:
        for cursor, _instances in db.rows_pending_keys:
            cursor.close()
        db.rows_pending_keys = db.rows_pipeline = None


def flush() -> None:
    """In a `pipelined()` block: send what is queued, wait for the answers, set the inserted rows' keys."""
    db = _db()
    pending = getattr(db, "rows_pending_keys", None)
    if not pending:
        return
    with db.wrap_database_errors:
        if getattr(db, "rows_pipeline", None) is not None:
            db.rows_pipeline.sync()
        while pending:
            _set_keys(db, *pending.pop(0))


@lru_cache(maxsize=64)
def _update_statement(model, field_names: tuple[str, ...], adding: bool, vendor: str):
    """UPDATE … SET each column to a value (or, `adding`, to itself plus a value) WHERE the key is."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in field_names]
    assignments = ", ".join(
        f"{quote(field.column)} = {quote(field.column) + ' + ' if adding else ''}%s" for field in fields
    )
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    return sql, fields


def update_row(instance, field_names: tuple[str, ...]) -> None:
    """UPDATE the named fields of a saved instance (auto_now fields named are set now), by primary key."""
    db = _db()
    model: Any = type(instance)
    sql, fields = _update_statement(model, tuple(field_names), False, db.vendor)
    values = [field.get_db_prep_save(field.pre_save(instance, False), db) for field in fields]
    with db.cursor() as cursor:
        _execute_own(db, cursor, sql, [*values, instance.pk])


def add_to_row(model, pk, **amounts) -> None:
    """UPDATE one row by primary key, adding each amount to its column (`F(name) + amount`, in SQL)."""
    db = _db()
    sql, fields = _update_statement(model, tuple(amounts), True, db.vendor)
    values = [
        field.get_db_prep_save(amount, db) for field, amount in zip(fields, amounts.values(), strict=True)
    ]
    with db.cursor() as cursor:
        _execute_own(db, cursor, sql, [*values, pk])
