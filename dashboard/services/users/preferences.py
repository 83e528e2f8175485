"""Per-user settings kept on the server: which columns a person shows in each grid.

A choice is stored in ``user_preference`` under ``grid:<grid_id>:columns`` as the list of column ids
shown. The caller names whose preference it is (always the signed-in user, never a value a browser
sent) and what the grid offers (:class:`GridColumns`, from the grid's own column definitions), so a
forged list naming columns the grid does not have is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from dashboard.db.models import UserPreference
from dashboard.domain.inputs import RefusedError

KEY_LENGTH = 64  # user_preference.key is String(64)


class PreferenceError(RefusedError):
    """A preference that cannot be saved; the message says why and nothing was changed."""


@dataclass(frozen=True)
class GridColumns:
    """What a grid lets a user show.

    Attributes:
        grid_id: The grid's id, which names its preference.
        columns: Every column id the user may show or hide, in the grid's order.
        default: The columns shown to someone who has chosen nothing, in the grid's order.
    """

    grid_id: str
    columns: tuple[str, ...]
    default: tuple[str, ...]

    def __post_init__(self) -> None:
        """Refuse a declaration the store could not hold, or a default naming columns the grid lacks."""
        if len(self.key) > KEY_LENGTH:
            raise ValueError(f"{self.grid_id}: the preference key {self.key!r} is over {KEY_LENGTH} characters")
        if not self.default or not set(self.default) <= set(self.columns):
            raise ValueError(f"{self.grid_id}: the default columns must be some of the grid's columns")

    @property
    def key(self) -> str:
        """The ``user_preference`` key the choice is kept under."""
        return f"grid:{self.grid_id}:columns"

    def in_grid_order(self, chosen: Sequence[str]) -> tuple[str, ...]:
        """``chosen`` as the grid orders its columns, without ids it does not have."""
        picked = set(chosen)
        return tuple(column for column in self.columns if column in picked)


def checked_columns(grid: GridColumns, value: Any) -> tuple[str, ...]:
    """The column ids ``value`` names, in grid order; raises :class:`PreferenceError` for anything else."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PreferenceError("the columns to show must be a list of column names")
    unknown = sorted(set(value) - set(grid.columns))
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise PreferenceError(f"this grid has no column {shown}; nothing was changed")
    if not value:
        raise PreferenceError("keep at least one column shown")
    return grid.in_grid_order(value)


def saved_columns(session: Session, user_id: int, grid: GridColumns) -> tuple[str, ...]:
    """The columns ``user_id`` shows in ``grid``: their saved choice, or the grid's default.

    A column the grid has dropped since the choice was saved is left out; a choice left with none
    falls back to the default rather than an empty grid.
    """
    row = session.get(UserPreference, (user_id, grid.key))
    if row is None or not isinstance(row.value, list):
        return grid.default
    return grid.in_grid_order([item for item in row.value if isinstance(item, str)]) or grid.default


def save_columns(session: Session, user_id: int, grid: GridColumns, value: Any) -> tuple[str, ...]:
    """Keep ``value`` as the columns ``user_id`` shows in ``grid``; returns what was kept.

    Choosing exactly the default keeps nothing: the user then follows the grid's default when it
    changes, which is what "Reset to default" means.
    """
    columns = checked_columns(grid, value)
    if set(columns) == set(grid.default):
        reset_columns(session, user_id, grid)
        return grid.default
    row = session.get(UserPreference, (user_id, grid.key))
    if row is None:
        session.add(UserPreference(user_id=user_id, key=grid.key, value=list(columns)))
    else:
        row.value = list(columns)
    session.flush()
    return columns


def reset_columns(session: Session, user_id: int, grid: GridColumns) -> None:
    """Forget ``user_id``'s choice for ``grid``: they see its default columns again."""
    session.execute(delete(UserPreference).where(UserPreference.user_id == user_id, UserPreference.key == grid.key))
