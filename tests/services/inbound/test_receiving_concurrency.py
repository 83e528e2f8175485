"""Two receipts for the same SKU and warehouse at the same moment never hand out the same unit."""

import threading

from sqlalchemy import select

from dashboard.db.models import OrderLine, StockLevel
from dashboard.services.audit.trail import Actor
from dashboard.services.derived import triage
from dashboard.services.inbound import receiving
from tests.services import triage_data as data
from tests.services.triage_data import L1, L2, L3, L4, TODAY


def test_concurrent_receipts_never_double_allocate(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def book(po: str) -> None:
        try:
            with db.write_session() as session:
                barrier.wait(timeout=30)  # both transactions are open before either receives
                receiving.receive(session, Actor(f"dock-{po}"), po, TODAY, 2)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=book, args=(po,)) for po in ("PO-A", "PO-B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with db.read_session() as session:
        level = session.scalar(select(StockLevel))
        held = dict(session.execute(select(OrderLine.id, OrderLine.qty_allocated)).all())
    # 2 free + 6 (PO-A) + 4 (PO-B) = 12 units, each to exactly one line, in queue order.
    assert (level.on_hand, level.allocated) == (13, 13)  # 1 unit was already L2's before
    assert held == {L3: 3, L2: 4, L1: 5, L4: 1}
