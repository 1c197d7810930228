"""CDRs between a CPO node and an eMSP node over real HTTP, also across an outage of the eMSP
(mod_cdrs "Push model", "Pull model"): when the eMSP is down while a CDR is produced, the CDR
arrives once it is back, without manual action and only once in its store.

CDRs are handed to the CPO's backend API only. The push worker POSTs each to the eMSP and keeps
the answer's ``Location``; while the eMSP is down the POST is retried, and pull-sync of the CPO's
CDRs Sender list may fetch it too — either way the eMSP stores it once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.api.support import cdr, credit_of
from tests.e2e.nodes import NodeConfig, admin_api, eventually, running, running_together
from tests.e2e.test_roaming import ADMIN, _register, _theirs, pair

__all__ = ["pair"]

CPO, EMSP = ("NL", "CPO"), ("DE", "MSP")


def _cdr(cdr_id: str, stamp: str) -> dict[str, Any]:
    return cdr(cdr_id, CPO, EMSP, last_updated=stamp)


def _deliveries(cpo: NodeConfig, cdr_id: str) -> list[Any]:
    data: list[Any] = admin_api(cpo, "GET", f"cdrs/NL/CPO/{cdr_id}/deliveries").json()["data"]
    return data


def _ids(node: NodeConfig) -> list[str]:
    return [c["id"] for c in _theirs(node, "cpo", "cdrs")]


def test_cdrs_reach_the_emsp_once_also_after_an_outage(
    pair: tuple[NodeConfig, NodeConfig, Path],
) -> None:
    cpo, emsp, logs = pair
    receiver = f"{emsp.base_url}/ocpi/2.2.1/receiver/cdrs"
    first = _cdr("CDR1", "2026-01-01T12:00:00Z")
    with running_together((cpo, emsp), logs) as nodes:
        _register(cpo, emsp)
        admin_api(cpo, "POST", "cdrs", first)
        eventually("CDR1 at the eMSP", lambda: _ids(emsp) == ["CDR1"])
        eventually("CDR1's Location at the CPO", lambda: len(_deliveries(cpo, "CDR1")) == 1)
        [delivery] = _deliveries(cpo, "CDR1")
        assert (delivery["partner"], delivery["location"]) == (
            "emsp",
            f"{receiver}/NL/CPO/CDR1",
        )
        assert _theirs(emsp, "cpo", "cdrs") == [first]
        nodes.stop(emsp)

        # The eMSP is down while a correction (a Credit CDR) and a new CDR are produced.
        admin_api(cpo, "POST", "cdrs", credit_of(first, last_updated="2026-01-02T12:00:00Z"))
        admin_api(cpo, "POST", "cdrs", _cdr("CDR2", "2026-01-03T12:00:00Z"))
        # A CDR never changes: handing CDR1 over again is refused.
        refused = httpx.post(
            f"{cpo.base_url}/api/cdrs",
            json=first,
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=10,
        )
        assert refused.status_code == 409, refused.text

        with running(emsp, logs):
            # Without a manual step every CDR arrives, each once.
            eventually("all CDRs at the eMSP", lambda: _ids(emsp) == ["CDR1", "CDR1-C", "CDR2"])
            for cdr_id in ("CDR1-C", "CDR2"):
                eventually(
                    f"{cdr_id}'s Location at the CPO",
                    lambda cdr_id=cdr_id: (
                        [d["location"] for d in _deliveries(cpo, cdr_id)]
                        == [f"{receiver}/NL/CPO/{cdr_id}"]
                    ),
                )
            assert _ids(emsp) == ["CDR1", "CDR1-C", "CDR2"]
