"""The KPI counter tables hold every counter the KPI table's formulas read."""

import pytest

from dashboard.db.base import Base
from dashboard.db.counters import counter_columns, key_columns
from dashboard.db.models import KPI_TABLES
from dashboard.domain import kpi_kinds

ALL = list(kpi_kinds.KPIS.values())


@pytest.mark.parametrize("kpi", ALL, ids=[kpi.key for kpi in ALL])
def test_every_counter_a_kpi_reads_is_a_column_of_its_basis_table(kpi):
    table = Base.metadata.tables[kpi.basis.table]
    counters = set(counter_columns(table)) | set(kpi.basis.extras)
    histograms = set(kpi.basis.histograms)
    assert histograms <= set(key_columns(table))  # a histogram is over a key column, with its rows as counts
    missing = set(kpi.formula.reads) - counters - histograms
    assert not missing, f"{kpi.key} reads {sorted(missing)}: add the counter to {table.name} (model and migration)"


def test_each_basis_reads_a_kpi_table():
    assert {basis.table for basis in kpi_kinds.BASES} <= {model.__tablename__ for model in KPI_TABLES}
