"""One user action, one transaction: the write pipeline every callback and command goes through.

A page's button and the matching ``backorder-desk`` command do the same thing in the same order:
open one write transaction, name who acts, hand the service today's date and the handling days,
commit (or roll back everything on any error, a refusal included), and only then run the steps
that must follow a committed change — such as starting a metrics refresh when the service said
the data behind the metrics changed (:func:`dashboard.services.derived.freshness.mark_changed`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from dashboard.db.engine import Database
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import freshness

AfterCommit = Callable[[], object]


@dataclass
class UnitOfWork:
    """What a write needs besides its own arguments, and what runs once it has committed."""

    session: Session
    actor: Actor
    today: dt.date
    handling_days: int
    _after_commit: list[AfterCommit] = field(default_factory=list)

    def after_commit(self, step: AfterCommit) -> None:
        """Run ``step`` once the transaction has committed; never when it rolled back."""
        self._after_commit.append(step)


@contextmanager
def unit_of_work(
    db: Database,
    actor: Actor | Callable[[Session], Actor],
    today: dt.date,
    handling_days: int,
    *,
    on_data_change: Iterable[AfterCommit] = (),
) -> Iterator[UnitOfWork]:
    """Open the transaction of one action; commit when the block ends, roll back if it raises.

    ``actor`` may be a function of the session when who acts must be looked up in the same
    transaction (the command line names a user). ``on_data_change`` runs after the commit when
    a service marked the data behind the derived tables as changed.
    """
    with db.write_session() as session:
        work = UnitOfWork(session, actor(session) if callable(actor) else actor, today, handling_days)
        yield work
        changed = freshness.changed_in(session)
    if changed:
        for step in on_data_change:
            step()
    for step in work._after_commit:
        step()
