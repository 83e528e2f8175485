"""Column mapping: which of the file's columns holds each of our fields, suggested, applied and saved by name.

A mapping says where each of our fields comes from: ``{our_field: their_column}``, None for "not
in this file", or ``{"set": VALUE}`` for one value for every row (``--set FIELD=VALUE``, the page's
"one value for every row"): a column the file lacks, such as the warehouse of a stock file from a
single-warehouse shop. A set value is a cell like any other: the kind's parser reads it on every
row and refuses it the same way, row by row. It wins over a column the file happens to have under
the field's own name (it was asked for); a field has one source, so it cannot also be mapped.

:func:`suggest_mapping` matches a header by exact name, then ignoring case, spaces and
punctuation, then by known aliases ("Qty" → ``on_hand`` for stock). :func:`apply_mapping` turns a
file's rows into rows keyed by our fields; a field a given mapping leaves out is still matched by
its own name. Saved mappings live in ``import_mapping`` under a name unique per kind, for the page
and ``--mapping NAME``; they keep set values too (a single-warehouse shop's warehouse code is as
much part of "how this system's export reads" as its column names).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import ImportMapping
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit import trail as audit
from dashboard.services.audit.trail import Actor
from dashboard.services.imports.files import ImportFileError, Table
from dashboard.services.imports.kinds import KINDS, Kind

MAX_NAME = 80
MAX_COLUMN = 200
MAX_SET_VALUE = 200
SET = "set"
Source = str | dict[str, str] | None


class MappingError(RefusedError):
    """A mapping that cannot be used or saved; the message says why and nothing changed."""


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest_mapping(kind: str, header: list[str]) -> dict[str, str]:
    """Our fields of ``kind`` matched to ``header`` columns: exact, then loose (case, spacing), then aliases."""
    spec = _kind(kind)
    taken: set[int] = set()
    found: dict[str, str] = {}
    rounds = (
        lambda field, column: column == field.name,
        lambda field, column: _norm(column) == _norm(field.name),
        lambda field, column: _norm(column) in {_norm(alias) for alias in field.aliases},
    )
    for matches in rounds:
        for field in spec.fields:
            if field.name in found:
                continue
            for index, column in enumerate(header):
                if index not in taken and column and matches(field, column):
                    found[field.name] = column
                    taken.add(index)
                    break
    return {f.name: found[f.name] for f in spec.fields if f.name in found}


def check_mapping(kind: str, mapping: object) -> dict[str, Source]:
    """``mapping`` if it is a ``{our_field: column name | None | {"set": value}}`` dict for ``kind``.

    A field mapped to None (or "") is switched off on purpose: it is not read even when the file
    has a column of exactly its name. Anything else raises :class:`MappingError`.
    """
    spec = _kind(kind)
    if not isinstance(mapping, dict):
        raise MappingError("A mapping pairs each of our fields with one of the file's columns.")
    ours = {f.name for f in spec.fields}
    clean: dict[str, Source] = {}
    for field, column in mapping.items():
        if field not in ours:
            raise MappingError(f"{str(field)[:40]!r} is not a field of {kind}; fields: {', '.join(sorted(ours))}.")
        if column in (None, ""):
            clean[field] = None  # "not in this file"
            continue
        if isinstance(column, dict):
            value = column.get(SET) if set(column) == {SET} else None
            if not isinstance(value, str) or len(value) > MAX_SET_VALUE:
                raise MappingError(f"The value set for {field} must be text of up to {MAX_SET_VALUE} characters.")
            clean[field] = {SET: value}
            continue
        if not isinstance(column, str) or len(column) > MAX_COLUMN:
            raise MappingError(f"The column for {field} must be a column name (text up to {MAX_COLUMN} characters).")
        clean[field] = column.strip()
    return clean


def set_values(mapping: dict[str, Source]) -> dict[str, str]:
    """``{field: value}`` of the fields a (checked) mapping sets to one value for every row."""
    return {field: source[SET] for field, source in mapping.items() if isinstance(source, dict)}


def resolve_columns(kind: str, table: Table, mapping: dict[str, Source] | None = None) -> dict[str, int]:
    """Column index of each field read from ``table``; :class:`ImportFileError` for a required field not found.

    Fields set to one value are not columns (see :func:`apply_mapping`) but count as found.
    """
    spec = _kind(kind)
    given = check_mapping(kind, mapping or {})
    fixed = set_values(given)
    by_name: dict[str, list[int]] = {}
    for index, column in enumerate(table.header):
        by_name.setdefault(column.lower(), []).append(index)
    automatic = suggest_mapping(kind, table.header)
    exact = {field: column for field, column in automatic.items() if column.lower() == field}
    # A mapping that names columns takes over matching (fields it leaves out match their own name only);
    # one that only sets values says nothing about columns, so the file's columns match as usual.
    names_columns = any(not isinstance(source, dict) for source in given.values())
    resolved: dict[str, int] = {}
    for field in spec.fields:
        if field.name in fixed or (field.name in given and given[field.name] is None):
            continue  # one value for every row, or switched off on purpose
        column = given.get(field.name) or (exact.get(field.name) if names_columns else automatic.get(field.name))
        if column is None:
            continue
        indexes = by_name.get(column.lower())
        if not indexes:
            raise ImportFileError(f"{table.name} has no column {column!r} (mapped to {field.name}).")
        if len(indexes) > 1:
            raise ImportFileError(f"{table.name} has the column {column!r} more than once; rename one.")
        resolved[field.name] = indexes[0]
    missing = [name for name in spec.required if name not in resolved and name not in fixed]
    if missing:
        raise ImportFileError(
            f"{table.name} lacks the column(s): {', '.join(missing)} (expected {', '.join(spec.required)}); "
            f"its columns are: {', '.join(c for c in table.header if c)[:300]}. Map them to our fields "
            "(--map FIELD=COLUMN), or give one value for every row (--set FIELD=VALUE)."
        )
    return resolved


def apply_mapping(
    kind: str, table: Table, mapping: dict[str, Source] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """The table's rows keyed by our field names (row numbers kept); only mapped or set fields appear.

    A set value stands in every row as if the file had a column holding it; fields keep the kind's
    order (a lead time in days before the one in weeks that may fill it).
    """
    columns = resolve_columns(kind, table, mapping)
    fixed = set_values(check_mapping(kind, mapping or {}))
    sources = [(f.name, columns.get(f.name)) for f in _kind(kind).fields if f.name in columns or f.name in fixed]
    return [
        (
            number,
            {field: fixed[field] if i is None else cells[i] if i < len(cells) else None for field, i in sources},
        )
        for number, cells in table.rows
    ]


def with_values(kind: str, table: Table, values: dict[str, str], mapping: dict[str, str] | None = None) -> Table:
    """``table`` with one more column per ``{field: value}``, holding the value on every row (``--set``).

    For a column the file lacks: the value then goes through the same cell checks as a file's
    would, and a refusal names the field. A field the file already has a column for is refused
    (one of the two would be silently ignored).
    """
    spec = _kind(kind)
    given = check_mapping(kind, mapping or {})
    found = suggest_mapping(kind, table.header)
    ours = {f.name for f in spec.fields}
    header, extra = list(table.header), []
    for field, value in values.items():
        if field not in ours:
            raise MappingError(f"{str(field)[:40]!r} is not a field of {kind}; fields: {', '.join(sorted(ours))}.")
        column = given.get(field) if field in given else found.get(field)
        if column:
            raise MappingError(
                f"{table.name} has a column for {field} ({column!r}); set a value only for a missing one."
            )
        if field.lower() in {c.lower() for c in header}:
            raise MappingError(f"{table.name} has a column named {field!r}; set a value only for a missing one.")
        header.append(field)
        extra.append(value)
    return Table(table.name, header, [(number, [*cells, *extra]) for number, cells in table.rows])


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise MappingError(f"Unknown import kind {str(kind)[:40]!r}; use one of: {', '.join(KINDS)}.") from None


# ---- saved mappings --------------------------------------------------------------------------


def save_mapping(
    session: Session, actor: Actor, kind: str, name: object, mapping: object, *, replace: bool = False
) -> ImportMapping:
    """Save ``mapping`` under ``name`` for ``kind`` (refused if the name exists, unless ``replace``)."""
    _kind(kind)
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
        raise MappingError(f"Give the mapping a name (up to {MAX_NAME} characters).")
    name = name.strip()
    clean = check_mapping(kind, mapping)
    if not any(clean.values()):
        raise MappingError("The mapping maps no field; pick a column for at least one.")
    existing = session.scalar(
        select(ImportMapping).where(ImportMapping.kind == kind, ImportMapping.name == name).with_for_update()
    )
    before = None
    if existing is not None:
        if not replace:
            raise MappingError(f"A {kind} mapping named {name!r} exists already; choose another name or replace it.")
        before = dict(existing.mapping)
        existing.mapping = clean
        existing.created_by = actor.name
        saved = existing
    else:
        saved = ImportMapping(kind=kind, name=name, mapping=clean, created_by=actor.name)
        session.add(saved)
    session.flush()
    audit.record(session, actor, "import_mapping", f"{kind}/{name}"[:64], "save_mapping", before, clean)
    return saved


def load_mapping(session: Session, kind: str, name: str) -> dict[str, Source]:
    """The saved mapping ``name`` of ``kind``; :class:`MappingError` if there is none."""
    found = session.scalar(select(ImportMapping.mapping).where(ImportMapping.kind == kind, ImportMapping.name == name))
    if found is None:
        names = list_mappings(session, kind)
        hint = f" Saved {kind} mappings: {', '.join(m.name for m in names)}." if names else ""
        raise MappingError(f"No saved {kind} mapping named {str(name)[:80]!r}.{hint}")
    return dict(found)


def list_mappings(session: Session, kind: str | None = None) -> list[ImportMapping]:
    """Saved mappings (of ``kind``, or all), by kind and name."""
    query = select(ImportMapping).order_by(ImportMapping.kind, ImportMapping.name)
    if kind is not None:
        query = query.where(ImportMapping.kind == kind)
    return list(session.scalars(query))


def delete_mapping(session: Session, actor: Actor, kind: str, name: str) -> None:
    """Delete the saved mapping ``name`` of ``kind``; :class:`MappingError` if there is none."""
    found = session.scalar(select(ImportMapping).where(ImportMapping.kind == kind, ImportMapping.name == name))
    if found is None:
        raise MappingError(f"No saved {kind} mapping named {str(name)[:80]!r}.")
    audit.record(session, actor, "import_mapping", f"{kind}/{name}"[:64], "delete_mapping", dict(found.mapping), None)
    session.delete(found)
    session.flush()
