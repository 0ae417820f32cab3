"""A short run of ``bench/crash.py``: a paying station SIGKILLed ten times, checked after each
restart (station starts, reconcile, audit verify, integrity check, receipts and audit entries,
terminal charges against payments, no object paid twice; bank transfers executed once and
audited, no prescription dispensed over its quantity, no dossier fee paid twice)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crash import DEFAULT_PG_ADMIN, run_campaign


def test_ten_kills_of_a_paying_station_leave_no_violation():
    campaign = run_campaign("sqlite", kills=10, seed=22, max_delay=1.0, admin_url=DEFAULT_PG_ADMIN,
                            say=lambda _: None)
    assert campaign.kills == 10 and campaign.start_failures == 0
    assert campaign.violations == []
    # campaign.unresolved_events (a charged card payment left UNKNOWN while the terminal enquiry
    # fails after a kill) is a known open problem, reported by bench/crash.py, not asserted here.
    assert campaign.states["SUCCEEDED"] > 0 and campaign.charges > 0, "the children paid nothing before the kills"

    done = {outcome.split()[0] for outcome, n in campaign.others.items()
            if outcome in ("transfer SUCCEEDED", "dossier fee paid", "rx paid") and n}
    assert {"transfer", "dossier", "rx"} <= done, f"not every kind of operation was driven: {dict(campaign.others)}"
