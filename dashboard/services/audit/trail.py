"""The audit trail: one helper every service uses to record who changed what, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import AuditEvent
from dashboard.domain import dates


@dataclass(frozen=True)
class Actor:
    """Who is making a change: a signed-in user or a named system actor such as ``cli``."""

    name: str
    user_id: int | None = None


def record(
    session: Session,
    actor: Actor,
    entity_type: str,
    entity_id: object,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(
        user_id=actor.user_id,
        actor=actor.name,
        entity_type=entity_type,
        entity_id=str(entity_id),
        action=action,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(event)
    return event


def changed_by(session: Session, entity_type: str, entity_id: object) -> str:
    """Who changed the entity last and when, as ' by NAME at DD Mon HH:MM UTC' ('' when never audited).

    What a stale save tells its user: who changed the thing since they loaded it, and when.
    """
    last = session.execute(
        select(AuditEvent.actor, AuditEvent.at)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    ).first()
    return f" by {last.actor} at {dates.stamp(last.at)}" if last else ""
