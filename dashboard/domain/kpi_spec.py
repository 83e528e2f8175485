"""How a KPI kind is specified: its words, unit, good direction, what it reads, its formula and its place.

The shapes only; the KPIs themselves are the table in :mod:`dashboard.domain.kpi_kinds`. A
:class:`Formula` declares the counters it reads, and a :class:`Reading` holds it to that: reading a
name it did not declare raises, so every ``reads`` is the truth and a test can check each against
the counter tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from dashboard.domain.kpi import ratio

Unit = Literal["share", "money", "days", "times"]
Better = Literal["up", "down"]
Histogram = Iterable[tuple[float, float]]


@dataclass(frozen=True)
class Definition:
    """What a number means, in the words an executive reads beside it: a label and how it is computed."""

    label: str
    text: str


@dataclass(frozen=True)
class Basis:
    """What a family of KPIs is computed from: one counter table summed over the chosen days, plus extras.

    Attributes:
        name: How the services name it.
        table: The counter table whose columns the formulas read.
        extras: Amounts the caller adds beside the table's counters.
        histograms: Key columns of ``table`` the caller also passes as ``(value, count)`` histograms.
    """

    name: str
    table: str
    extras: tuple[str, ...] = ()
    histograms: tuple[str, ...] = ()


class Reading:
    """The counters one formula may read: only those it declares; a counter the caller has none of is 0.

    Reading an undeclared name raises :class:`KeyError`, so a formula's ``reads`` is always the truth.
    """

    def __init__(
        self, reads: Iterable[str], sums: Mapping[str, float], histograms: Mapping[str, Histogram] | None = None
    ) -> None:
        self._reads = frozenset(reads)
        self._sums = sums
        self._histograms = histograms or {}
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> float:
        self._declared(name)
        return self._sums.get(name, 0)

    def histogram(self, name: str) -> list[tuple[float, float]]:
        """The ``(value, count)`` pairs of the histogram over key column ``name`` (empty when none was given)."""
        self._declared(name)
        return list(self._histograms.get(name, ()))

    def _declared(self, name: str) -> None:
        if name not in self._reads:
            raise KeyError(f"the formula reads {name!r} without declaring it")
        self.read.add(name)


@dataclass(frozen=True)
class Formula:
    """How a KPI combines counters: the names it reads and a function of a :class:`Reading` of them.

    Attributes:
        reads: Counters (and histogram columns) of its basis that it reads.
        compute: The value from a reading; None when there is nothing to compute from.
        base: Counters summed into what the KPI is "of" (a ratio's denominator), for its detail line.
    """

    reads: tuple[str, ...]
    compute: Callable[[Reading], float | None]
    base: tuple[str, ...] = ()


def ratio_of(numerator: str, *denominator: str) -> Formula:
    """``numerator ÷ (sum of the denominator counters)``: a rate, or an average per line."""
    return Formula(
        (numerator, *denominator), lambda c: ratio(c[numerator], sum(c[name] for name in denominator)), denominator
    )


@dataclass(frozen=True)
class Section:
    """A group of KPIs shown together on one page.

    Attributes:
        key: What a :class:`Kpi` names it by.
        title: The heading.
        page: The path of the page it is on (the Overview's cards link there).
        icon: Bootstrap icon beside the heading (kept here so a section is defined in one place).
        accent: Bootstrap colour of its cards' edge and value.
    """

    key: str
    title: str
    page: str
    icon: str | None = None
    accent: str = "primary"


Verdict = Literal["good", "watch", "bad"]


@dataclass(frozen=True)
class Target:
    """Where a KPI's value turns from good to watch to bad, in its unit (see ``docs/ui.md``).

    With ``better="up"``: at or above ``good`` is good, below ``bad`` is bad, between is watch;
    with ``better="down"`` the other way round.
    """

    good: float
    bad: float

    def judge(self, value: float | None, better: Better) -> Verdict | None:
        """The verdict on ``value`` (None when there is no value)."""
        if value is None:
            return None
        if better == "up":
            return "good" if value >= self.good else ("bad" if value < self.bad else "watch")
        return "good" if value <= self.good else ("bad" if value > self.bad else "watch")


@dataclass(frozen=True)
class Card:
    """A KPI's card in the Overview's four-week headline, linking to its section's page."""

    title: str
    icon: str


@dataclass(frozen=True)
class Kpi:
    """One KPI kind.

    Attributes:
        key: Its id in values, element ids and URLs.
        definition: Its label and what it means.
        unit: How a value reads: a share (0.25 is 25 %), money, days, or a multiple.
        better: ``"up"`` when a larger value is better, ``"down"`` when smaller is (colours changes).
        basis: What its formula reads.
        formula: How it is computed.
        section: The key of its :class:`Section`.
        detail: Its /kpis card's detail line, a ``str.format`` template with ``base`` (the sum of the
            formula's base counters), ``through`` (the last closed day, worded) and ``notify`` (whether
            notify-me demand is included, worded).
        breakdown: Its column header in the /kpis breakdown table (None: not a column there).
        overview: Its card on the Overview (None: not there).
        target: Its good / watch / bad thresholds (None: no judgement, shown in a neutral colour).
    """

    key: str
    definition: Definition
    unit: Unit
    better: Better
    basis: Basis
    formula: Formula
    section: str
    detail: str | None = None
    breakdown: str | None = None
    overview: Card | None = None
    target: Target | None = None

    @property
    def label(self) -> str:
        """Its name as the cards show it."""
        return self.definition.label

    def judge(self, value: float | None) -> Verdict | None:
        """Good, watch or bad against its target (None: no target or no value)."""
        return None if self.target is None else self.target.judge(value, self.better)

    def value(self, sums: Mapping[str, float], histograms: Mapping[str, Histogram] | None = None) -> float | None:
        """The KPI from summed counters of its basis (and its histograms)."""
        return self.formula.compute(Reading(self.formula.reads, sums, histograms))

    def describe(self, sums: Mapping[str, float], *, through: str = "", notify: str = "") -> str:
        """Its detail line for summed counters (empty when it has none)."""
        if self.detail is None:
            return ""
        base = sum(sums.get(name, 0) for name in self.formula.base)
        return self.detail.format(base=base, through=through, notify=notify)
