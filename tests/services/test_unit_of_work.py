"""The write pipeline: one transaction per action, and the after-commit steps that follow only a commit."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from dashboard.db.models import AppSetting
from dashboard.domain.inputs import RefusedError
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import freshness
from dashboard.services.unit_of_work import unit_of_work

TODAY = dt.date(2026, 11, 27)
ACTOR = Actor("mia", None)


def _settings(db) -> int:
    with db.read_session() as session:
        return session.scalar(select(func.count()).select_from(AppSetting))


def test_the_action_commits_and_then_runs_its_steps_in_order(db):
    ran = []
    with unit_of_work(db, ACTOR, TODAY, 2, on_data_change=[lambda: ran.append("refresh")]) as work:
        assert (work.actor, work.today, work.handling_days) == (ACTOR, TODAY, 2)
        freshness.mark_changed(work.session)
        work.after_commit(lambda: ran.append(("committed", _settings(db))))
    assert ran == ["refresh", ("committed", 1)]


def test_no_data_change_means_no_refresh(db):
    ran = []
    with unit_of_work(db, ACTOR, TODAY, 2, on_data_change=[lambda: ran.append("refresh")]) as work:
        work.session.add(AppSetting(key="x", value={}))
    assert ran == [] and _settings(db) == 1


def test_a_refusal_rolls_everything_back_and_runs_no_step(db):
    ran = []
    with pytest.raises(RefusedError), unit_of_work(db, ACTOR, TODAY, 2, on_data_change=[lambda: ran.append(1)]) as work:
        freshness.mark_changed(work.session)
        work.after_commit(lambda: ran.append(2))
        raise RefusedError("no")
    assert ran == [] and _settings(db) == 0


def test_who_acts_can_be_looked_up_in_the_same_transaction(db):
    seen = []

    def lookup(session):
        seen.append(session)
        return ACTOR

    with unit_of_work(db, lookup, TODAY, 2) as work:
        assert seen == [work.session] and work.actor == ACTOR
