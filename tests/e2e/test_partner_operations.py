"""The operator's view of a connection over real processes: ``openroam pull`` against a partner
(a small real HTTP server) whose Tariffs list is broken pulls the other modules, reports each
module on its own line (the failing one with the URL, the HTTP status, the partner's OCPI status
and the partner's name) and exits 1; ``openroam partners``, ``openroam partners show`` and
``GET /api/partners/{name}`` then show the failure with its time, the objects held per module and
the delivery backlog (transport_and_format.asciidoc "Pull and Push", "Pagination")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.nodes import NodeConfig, Party, admin_api, free_port, running
from tests.e2e.sender_partner import sender_partner

ADMIN = "e2e-admin-token"


def _own_token() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "OMS",
        "uid": "OWN0001",
        "type": "RFID",
        "contract_id": "NL-OMS-C0001",
        "issuer": "Our eMSP",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T10:00:00Z",
    }


def _line(output: str, start: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(start)]
    assert len(found) == 1, f"one line starting {start!r} in:\n{output}"
    return found[0]


def _rows(output: str) -> dict[str, list[str]]:
    """The rows of the tables in ``output`` by their first cell (a cell's words on one line)."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0]:
            rows[cells[0]] = cells
    return rows


def test_a_failing_module_is_reported_and_shown_while_the_others_are_pulled(
    tmp_path: Path, database_url: str
) -> None:
    node = NodeConfig(
        "ops",
        free_port(),
        database_url,
        [Party("NL", "OCP", "CPO", "Our CPO"), Party("NL", "OMS", "EMSP", "Our eMSP")],
        # No background workers: the pull is the CLI's alone, and deliveries stay pending.
        {"OPENROAM_ADMIN_TOKEN": ADMIN, "OPENROAM_WORKER": "false"},
    )
    with sender_partner(failing={"tariffs"}) as acme, running(node, tmp_path):
        grants = ["--role", "CPO", "--party", "DE*ACP", "--role", "EMSP", "--party", "DE*AMS"]
        node.cli("register", acme.versions_url, "--token", "token-a", "--name", "acme", *grants)
        # A token of our eMSP goes to Acme's CPO: a delivery waits (no worker sends it).
        admin_api(node, "PUT", "tokens/NL/OMS/OWN0001?type=RFID", _own_token())

        pulled = node.cli("pull", "acme", check=False)
        output = pulled.stdout
        assert pulled.returncode == 1, output + pulled.stderr
        # Every module the partner offers, in order; the one after the failing one too.
        assert "3 stored, 0 unchanged, 0 invalid, 2 page(s) (full) in " in _line(
            output, "locations from acme:"
        )
        assert "5 stored, 0 unchanged, 0 invalid, 3 page(s) (full) in " in _line(
            output, "tokens from acme:"
        )
        failed = _line(output, "tariffs from acme: failed after")
        assert (
            f"GET {acme.base_url}/ocpi/2.2.1/tariffs: HTTP 500, OCPI status_code 3000: "
            "Generic server error" in failed
        )
        assert _line(output, "not complete from acme:").endswith("tariffs")
        order = [line.split(" ", 1)[0] for line in output.splitlines() if " from acme: " in line]
        order.remove("not")  # the closing line
        assert order == ["locations", "tariffs", "tokens"]
        # Our token C went with the pulls, Base64-encoded (OCPI 2.2.1).
        pulls = [(path, auth) for method, path, auth in acme.requests if "/tariffs" in path]
        assert pulls
        assert all(auth and auth.startswith("Token ") for _, auth in pulls)

        status = admin_api(node, "GET", "partners/acme").json()["data"]
        assert status["token_encoding"] == "base64"
        modules = {module["module"]: module for module in status["modules"]}
        assert list(modules) == ["locations", "tariffs", "tokens"]
        assert (modules["locations"]["objects"], modules["tokens"]["objects"]) == (3, 5)
        tariffs = modules["tariffs"]
        assert (tariffs["objects"], tariffs["failures"]) == (0, 1)
        assert f"{acme.base_url}/ocpi/2.2.1/tariffs: HTTP 500" in tariffs["last_error"]
        assert "acme" in tariffs["last_error"]
        assert tariffs["last_error_at"].endswith("Z")
        assert tariffs["failing_since"] == tariffs["last_error_at"]
        assert tariffs["last_pull_at"] is None
        assert modules["locations"]["last_full_pull_at"].endswith("Z")
        assert modules["locations"]["pull_health"] == "ok"
        assert status["pull_health"].startswith(f"tariffs failing since {tariffs['failing_since']}")
        assert status["pull_health"].endswith("; 2 modules ok")
        assert modules["tokens"]["pushed"]
        assert modules["tokens"]["deliveries"]["pending"] == 1
        assert status["deliveries"]["pending"] == 1
        assert status["deliveries"]["oldest_pending_at"].endswith("Z")
        assert status["deliveries"]["failed"] == 0
        assert status["reading_policy"] == "strict"
        assert status["deviations"] == []

        shown = node.cli("partners", "show", "acme").stdout
        assert "token encoding: base64" in shown
        assert "reading:        strict" in shown
        assert f"pull health:    tariffs failing since {tariffs['failing_since']}" in shown
        error_line = _line(shown, "tariffs last error (failing) at")
        assert tariffs["last_error_at"] in error_line
        assert f"{acme.base_url}/ocpi/2.2.1/tariffs: HTTP 500" in error_line
        assert _line(shown, "deliveries:").startswith("deliveries:     1 pending (oldest ")
        rows = _rows(shown)
        # module, we, objects held, last full pull, last pull, next pull, pull, pending, failed
        assert rows["locations"][1:3] == ["pull", "3"]
        assert rows["tariffs"][2] == "0"
        assert rows["tariffs"][6].startswith("failing since")
        assert rows["tokens"][1:3] == ["pull/push", "5"]
        assert rows["tokens"][7:] == ["1", "0"]

        # name, status, version, token, granted, roles, pull, backlog, failed, …
        listed = _rows(node.cli("partners").stdout)["acme"]
        assert listed[1:4] == ["registered", "2.2.1", "base64"]
        assert listed[6].startswith("tariffs failing since")
        assert listed[7:9] == ["1", "0"]

        # The module alone, once the partner's Tariffs work again.
        acme.failing.clear()
        again = node.cli("pull", "acme", "--module", "tariffs")
        assert "tariffs from acme: 2 stored" in again.stdout
        healthy = admin_api(node, "GET", "partners/acme").json()["data"]
        assert healthy["pull_health"] == "3 modules ok"
        recovered = healthy["modules"][1]
        assert (recovered["failures"], recovered["failing_since"]) == (0, None)
        assert recovered["last_error_at"] == tariffs["last_error_at"]  # kept: what happened


def test_a_partner_answering_307_on_a_missing_trailing_slash_is_pulled_through_it(
    tmp_path: Path, database_url: str
) -> None:
    # Its version details and next links name URLs without the slash; each GET of them gets a
    # 307 to the same origin, followed with the same token (docs/connecting.md "Redirects").
    node = NodeConfig(
        "slash",
        free_port(),
        database_url,
        [Party("NL", "OCP", "CPO", "Our CPO"), Party("NL", "OMS", "EMSP", "Our eMSP")],
        {"OPENROAM_ADMIN_TOKEN": ADMIN, "OPENROAM_WORKER": "false"},
    )
    with sender_partner(slash_redirect=True) as acme, running(node, tmp_path):
        grants = ["--role", "CPO", "--party", "DE*ACP", "--role", "EMSP", "--party", "DE*AMS"]
        node.cli("register", acme.versions_url, "--token", "token-a", "--name", "acme", *grants)
        pulled = node.cli("pull", "acme")
        output = pulled.stdout
        assert "3 stored, 0 unchanged, 0 invalid, 2 page(s) (full)" in _line(
            output, "locations from acme:"
        )
        assert "2 stored" in _line(output, "tariffs from acme:")
        assert "5 stored" in _line(output, "tokens from acme:")
        stored = admin_api(node, "GET", "partners/acme/locations").json()["data"]
        assert sorted(doc["id"] for doc in stored) == ["LOC0", "LOC1", "LOC2"]
        # Every page was asked for without the slash first, then with it, with our token both
        # times.
        lists = [(path, auth) for _, path, auth in acme.requests if "/locations" in path]
        assert [path.partition("?")[0] for path, _ in lists] == [
            "/ocpi/2.2.1/locations",
            "/ocpi/2.2.1/locations/",
        ] * 2
        assert len({auth for _, auth in lists}) == 1
        assert lists[0][1] is not None
