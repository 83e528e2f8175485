"""The audit log in words: coded values by their labels, dates in the one date form."""

from dashboard.services.audit.log import describe


def test_before_and_after_read_as_words():
    assert describe('{"status": "cancelled", "eta": "2026-12-08", "confirmed": true}') == (
        "status: Cancelled, eta: 8 Dec 2026, confirmed: yes"
    )
    assert describe({"promised_date": None, "reason": "2026-12-08 was the plan"}) == (
        "promised date: —, reason: 2026-12-08 was the plan"  # free text is left as written
    )
    assert describe("not json") == "not json"
