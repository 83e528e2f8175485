"""User administration through the service and the command line, each change audited."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import AuditEvent, User
from dashboard.services.users.accounts import Actor, UserError, create_user, list_users, set_active, set_role
from dashboard.services.users.passwords import verify_password

ADMIN = Actor("root-admin")


class TestService:
    def test_create_hashes_the_password_and_audits(self, db):
        with db.write_session() as session:
            create_user(session, ADMIN, "dana", "long-enough-pw", "manager")
        with db.read_session() as session:
            user = session.scalar(select(User).where(User.username == "dana"))
            event = session.scalar(select(AuditEvent).where(AuditEvent.entity_id == "dana"))
        assert user.password_hash != "long-enough-pw"
        assert verify_password(user.password_hash, "long-enough-pw")
        assert (user.role, user.active) == ("manager", True)
        assert (event.action, event.actor, event.after) == (
            "create_user",
            "root-admin",
            {"role": "manager", "active": True},
        )

    @pytest.mark.parametrize(
        ("username", "password", "role", "message"),
        [
            ("dana", "short", "manager", "at least 10"),
            ("Dana Smith", "long-enough-pw", "manager", "username"),
            ("dana", "long-enough-pw", "superuser", "admin, manager, support, executive"),
        ],
    )
    def test_bad_input_is_refused_with_a_reason_and_nothing_written(self, db, username, password, role, message):
        with pytest.raises((UserError, ValueError), match=message), db.write_session() as session:
            create_user(session, ADMIN, username, password, role)
        with db.read_session() as session:
            assert list_users(session) == []
            assert session.scalars(select(AuditEvent)).all() == []

    def test_duplicate_username_is_refused(self, db):
        with db.write_session() as session:
            create_user(session, ADMIN, "dana", "long-enough-pw", "manager")
        with pytest.raises(UserError, match="already exists"), db.write_session() as session:
            create_user(session, ADMIN, "dana", "another-long-pw", "support")

    def test_role_change_and_deactivation_are_audited_with_before_and_after(self, db):
        with db.write_session() as session:
            create_user(session, ADMIN, "dana", "long-enough-pw", "manager")
        with db.write_session() as session:
            set_role(session, ADMIN, "dana", "executive")
            set_active(session, ADMIN, "dana", False)
        with db.read_session() as session:
            user = session.scalar(select(User))
            events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert (user.role, user.active) == ("executive", False)
        assert [(e.action, e.before, e.after) for e in events[1:]] == [
            ("set_role", {"role": "manager"}, {"role": "executive"}),
            ("deactivate", {"active": True}, {"active": False}),
        ]

    def test_unknown_user_is_a_clear_error(self, db):
        with pytest.raises(UserError, match="no user named 'ghost'"), db.write_session() as session:
            set_role(session, ADMIN, "ghost", "manager")


class TestCommandLine:
    def _run(self, db, args, stdin=None):
        settings = Settings(database_url=db.url, auto_demo=False)
        return CliRunner().invoke(main, args, obj={"settings": settings}, input=stdin)

    def test_create_list_set_role_deactivate(self, db):
        result = self._run(
            db, ["users", "create", "erin", "--role", "support", "--password-stdin"], stdin="a-good-password\n"
        )
        assert result.exit_code == 0, result.output
        assert self._run(db, ["users", "set-role", "erin", "manager"]).exit_code == 0
        assert self._run(db, ["users", "deactivate", "erin"]).exit_code == 0
        listing = self._run(db, ["users", "list"]).output
        assert "erin" in listing and "manager" in listing and "deactivated" in listing
        with db.read_session() as session:
            assert {e.actor for e in session.scalars(select(AuditEvent))} == {"cli"}

    def test_prompted_password_is_confirmed(self, db):
        result = self._run(
            db, ["users", "create", "finn", "--role", "executive"], stdin="a-good-password\na-good-password\n"
        )
        assert result.exit_code == 0, result.output
        assert "a-good-password" not in result.output.replace("Password", "")

    def test_errors_exit_non_zero_with_the_reason(self, db):
        result = self._run(db, ["users", "create", "gus", "--role", "manager", "--password-stdin"], stdin="short\n")
        assert result.exit_code == 1
        assert "at least 10" in result.output
        result = self._run(db, ["users", "set-role", "gus", "root"])
        assert result.exit_code == 2

    def test_a_fresh_production_database_has_no_users(self, db):
        assert "no users yet" in self._run(db, ["users", "list"]).output
