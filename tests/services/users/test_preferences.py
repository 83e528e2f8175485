"""Each user's grid columns, kept in user_preference on both backends: saved, read back, refused, reset."""

import pytest
from sqlalchemy import select

from dashboard.db.models import UserPreference
from dashboard.services.users.accounts import Actor, create_user
from dashboard.services.users.preferences import (
    GridColumns,
    PreferenceError,
    checked_columns,
    reset_columns,
    save_columns,
    saved_columns,
)

GRID = GridColumns("t-grid", ("sku", "name", "qty", "value", "supplier"), ("sku", "qty", "value"))


@pytest.fixture
def users(db) -> tuple[int, int]:
    """Two users' ids."""
    with db.write_session() as session:
        ids = tuple(create_user(session, Actor("root"), name, "long-enough-pw", "manager").id for name in ("ann", "bo"))
    return ids


def rows(db) -> list[tuple[int, str, object]]:
    with db.read_session() as session:
        return [(r.user_id, r.key, r.value) for r in session.scalars(select(UserPreference).order_by("user_id"))]


class TestDeclaration:
    def test_the_key_names_the_grid(self):
        assert GRID.key == "grid:t-grid:columns"

    def test_a_default_must_be_some_of_the_columns(self):
        with pytest.raises(ValueError, match="default"):
            GridColumns("g", ("a", "b"), ("a", "z"))
        with pytest.raises(ValueError, match="default"):
            GridColumns("g", ("a", "b"), ())

    def test_a_key_the_table_cannot_hold_is_refused(self):
        with pytest.raises(ValueError, match="64"):
            GridColumns("g" * 60, ("a",), ("a",))


class TestChecked:
    def test_grid_order_whatever_the_order_ticked(self):
        assert checked_columns(GRID, ["supplier", "sku", "sku"]) == ("sku", "supplier")

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("sku,qty", "must be a list"),
            ({"sku": True}, "must be a list"),
            (["sku", 3], "must be a list"),
            (None, "must be a list"),
            (["sku", "password_hash"], "no column 'password_hash'"),
            ([], "at least one column"),
        ],
    )
    def test_anything_but_a_list_of_the_grids_columns_is_refused(self, value, message):
        with pytest.raises(PreferenceError, match=message):
            checked_columns(GRID, value)


class TestStored:
    def test_nothing_chosen_is_the_default(self, db, users):
        with db.read_session() as session:
            assert saved_columns(session, users[0], GRID) == GRID.default

    def test_a_choice_is_kept_for_its_user_only(self, db, users):
        ann, bo = users
        with db.write_session() as session:
            assert save_columns(session, ann, GRID, ["supplier", "sku"]) == ("sku", "supplier")
        with db.read_session() as session:
            assert saved_columns(session, ann, GRID) == ("sku", "supplier")
            assert saved_columns(session, bo, GRID) == GRID.default
        assert rows(db) == [(ann, "grid:t-grid:columns", ["sku", "supplier"])]

    def test_a_second_choice_replaces_the_first(self, db, users):
        ann, _ = users
        with db.write_session() as session:
            save_columns(session, ann, GRID, ["sku"])
        with db.write_session() as session:
            save_columns(session, ann, GRID, ["sku", "name"])
        assert rows(db) == [(ann, "grid:t-grid:columns", ["sku", "name"])]

    def test_a_refused_choice_changes_nothing(self, db, users):
        ann, _ = users
        with db.write_session() as session:
            save_columns(session, ann, GRID, ["sku"])
        with pytest.raises(PreferenceError), db.write_session() as session:
            save_columns(session, ann, GRID, ["sku", "<script>"])
        assert rows(db) == [(ann, "grid:t-grid:columns", ["sku"])]

    def test_choosing_the_default_or_resetting_forgets_the_choice(self, db, users):
        ann, bo = users
        with db.write_session() as session:
            save_columns(session, ann, GRID, ["sku"])
            save_columns(session, bo, GRID, ["name"])
        with db.write_session() as session:
            assert save_columns(session, ann, GRID, ["value", "qty", "sku"]) == GRID.default
            reset_columns(session, bo, GRID)
        assert rows(db) == []

    def test_columns_the_grid_dropped_since_are_left_out(self, db, users):
        ann, _ = users
        with db.write_session() as session:
            save_columns(session, ann, GRID, ["sku", "supplier"])
        narrower = GridColumns("t-grid", ("sku", "qty", "value"), ("sku", "qty"))
        gone = GridColumns("t-grid", ("qty", "value"), ("qty",))
        with db.read_session() as session:
            assert saved_columns(session, ann, narrower) == ("sku",)
            assert saved_columns(session, ann, gone) == ("qty",)  # nothing left: the default, not an empty grid
