"""``openroam price`` and ``openroam audit``: the tariff engine on the command line.

``price`` prices a CDR's or Session's ChargingPeriods, or meter samples from a CSV file, and
prints the totals, the breakdown (which element priced what, and why) and the ChargingPeriods.
``audit`` recomputes a partner's CDR and lists every difference beyond a tolerance. Both print
rich tables, or JSON with ``--json``. Both list the *findings*: periods whose reported time
volumes disagree with their timestamps, and which of the two was priced (docs/pricing.md
"Reported volumes and timestamps"); the breakdown says for every time row which it was.

Samples CSV: a header, then one row per reading. Columns ``timestamp`` (RFC 3339; without an
offset it is UTC) and ``energy_kwh`` (cumulative) are required; ``current``, ``power`` and
``charging`` (true/false) are optional and describe the interval up to the next row.
"""

from __future__ import annotations

import csv
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from openroam.models.v221.cdrs import CDR
from openroam.models.v221.sessions import Session
from openroam.models.v221.tariffs import Tariff
from openroam.pricing import (
    AuditReport,
    MeterSample,
    PricingResult,
    Timeline,
    audit,
    explain,
    price,
    timeline_from_periods,
    timeline_from_samples,
)
from openroam.pricing._audit import Difference, tariff_of, volume_findings
from openroam.pricing._output import round_money

__all__ = ["audit_command", "price_command"]

EXIT_OK, EXIT_DIFFERENCES, EXIT_UNREADABLE = 0, 1, 2

TariffOption = Annotated[
    Path | None,
    typer.Option("--tariff", help="A Tariff JSON file (default: the Tariff the CDR carries)."),
]
ZoneOption = Annotated[
    str, typer.Option("--tz", help="The Location's IANA time zone, e.g. Europe/Amsterdam.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


class InputError(Exception):
    """An input file that cannot be read or is not what it should be."""


def _json_default(value: object) -> Any:
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))  # exact, never through a float
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _dumps(data: object) -> str:
    return orjson.dumps(data, default=_json_default, option=orjson.OPT_INDENT_2).decode()


def _load(path: Path, model: type[Tariff] | type[CDR] | type[Session]) -> Any:
    try:
        return model.from_json(path.read_bytes())
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    except ValidationError as error:
        raise InputError(f"{path} is not a valid {model.__name__}:\n{error}") from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r} (use an IANA name like Europe/Amsterdam)"
        raise InputError(message) from None


def _flag(text: str) -> bool | None:
    lowered = text.strip().lower()
    if not lowered:
        return None
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise InputError(f"charging must be true or false, not {text!r}")


def _number(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None and text.strip() else None


def read_samples(path: Path) -> list[MeterSample]:
    """Meter samples from a CSV file (see the module docstring for the columns)."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    samples: list[MeterSample] = []
    for line, row in enumerate(rows, start=2):
        try:
            moment = datetime.fromisoformat(row["timestamp"].strip().replace("Z", "+00:00"))
            energy = _number(row["energy_kwh"])
            if energy is None:
                raise InputError("energy_kwh is empty")
            samples.append(
                MeterSample(
                    moment if moment.tzinfo else moment.replace(tzinfo=UTC),
                    energy,
                    _number(row.get("current")),
                    _number(row.get("power")),
                    _flag(row.get("charging") or ""),
                )
            )
        except (KeyError, ValueError, InvalidOperation, InputError) as error:
            raise InputError(f"{path} line {line}: {error}") from None
    return samples


def _timeline(
    cdr: Path | None, session: Path | None, samples: Path | None
) -> tuple[Timeline, CDR | None]:
    if sum(source is not None for source in (cdr, session, samples)) != 1:
        raise InputError("give exactly one of --cdr, --session and --samples")
    if cdr is not None:
        record: CDR = _load(cdr, CDR)
        return timeline_from_periods(record.charging_periods, record.end_date_time), record
    if session is not None:
        live: Session = _load(session, Session)
        if live.end_date_time is None or not live.charging_periods:
            raise InputError(f"{session}: the Session needs end_date_time and charging_periods")
        return timeline_from_periods(live.charging_periods, live.end_date_time), None
    assert samples is not None
    try:
        return timeline_from_samples(read_samples(samples)), None
    except ValueError as error:
        raise InputError(f"{samples}: {error}") from None


def _amount(value: Decimal | None, decimals: int | None) -> str:
    return "" if value is None else str(round_money(value, decimals))


def _breakdown_table(result: PricingResult) -> Table:
    table = Table(title="Breakdown", header_style="bold", expand=False)
    for name in ("from", "to", "dimension", "el.", "quantity", "time from", "billed", "price"):
        table.add_column(name, overflow="fold")
    table.add_column("VAT %")
    table.add_column("excl", justify="right")
    table.add_column("incl", justify="right")
    table.add_column("why", overflow="fold", style="dim")
    for row in explain(result):
        table.add_row(
            f"{row.start:%Y-%m-%d %H:%M}" if row.start else "",
            f"{row.end:%H:%M}" if row.end else "",
            row.dimension,
            str(row.element or ""),
            row.quantity,
            row.duration_from or "",
            row.billed,
            "" if row.unit_price is None else str(row.unit_price),
            "" if row.vat is None else str(row.vat),
            _amount(row.excl_vat, result.decimals),
            _amount(row.incl_vat, result.decimals),
            row.why,
        )
    return table


def _totals_table(result: PricingResult) -> Table:
    table = Table(title="CDR totals", header_style="bold", expand=False)
    for name in ("field", "excl. VAT / quantity", "incl. VAT"):
        table.add_column(name, justify="right" if name != "field" else "left")
    for name, value in result.totals:
        if isinstance(value, Decimal):
            table.add_row(name, str(value), "")
        else:
            table.add_row(name, str(value.excl_vat), str(value.incl_vat))
    return table


def _periods_table(result: PricingResult) -> Table:
    table = Table(title="ChargingPeriods", header_style="bold", expand=False)
    for name in ("start (UTC)", "dimensions", "tariff_id"):
        table.add_column(name)
    for period in result.charging_periods():
        dims = ", ".join(f"{d.type.value} {d.volume}" for d in period.dimensions)
        table.add_row(f"{period.start_date_time:%Y-%m-%d %H:%M:%S}", dims, period.tariff_id or "")
    return table


def _findings_table(findings: tuple[Difference, ...]) -> Table:
    table = Table(title="Findings", header_style="bold", expand=False)
    for name in ("where", "timestamps", "reported", "what was priced"):
        table.add_column(name, overflow="fold")
    for finding in findings:
        table.add_row(finding.where, finding.expected, finding.actual, finding.message)
    return table


def _result_json(result: PricingResult) -> dict[str, Any]:
    return {
        "tariff_id": result.tariff.id,
        "currency": result.tariff.currency,
        "time_zone": str(result.zone),
        "totals": result.totals.to_dict(),
        "charging_periods": [p.to_dict() for p in result.charging_periods()],
        "breakdown": [asdict(row) for row in explain(result)],
        "findings": [asdict(finding) for finding in volume_findings(result.findings)],
    }


def _fail(error: InputError) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[red]error:[/] {error}")
    return typer.Exit(EXIT_UNREADABLE)


def price_command(
    tariff: TariffOption = None,
    cdr: Annotated[Path | None, typer.Option("--cdr", help="Price a CDR's periods.")] = None,
    session: Annotated[
        Path | None, typer.Option("--session", help="Price a finished Session's periods.")
    ] = None,
    samples: Annotated[
        Path | None, typer.Option("--samples", help="Price meter samples (CSV).")
    ] = None,
    tz: ZoneOption = "UTC",
    decimals: Annotated[
        int, typer.Option("--decimals", help="Round amounts half up to this many places.")
    ] = 4,
    as_json: JsonOption = False,
) -> None:
    """Price a session with a Tariff: totals, a line-by-line breakdown and ChargingPeriods."""
    try:
        timeline, record = _timeline(cdr, session, samples)
        if tariff is not None:
            chosen: Tariff = _load(tariff, Tariff)
        elif record is not None:
            chosen = tariff_of(record)
        else:
            raise InputError("--tariff is required with --session and --samples")
        result = price(chosen, timeline, _zone(tz), decimals=decimals)
    except (InputError, ValueError) as error:
        raise _fail(InputError(str(error))) from None
    console = Console(highlight=False)
    if as_json:
        console.print_json(_dumps(_result_json(result)))
        return
    console.print(f"Tariff [bold]{chosen.id}[/] ({chosen.currency}), time zone {result.zone}")
    console.print(_breakdown_table(result))
    if result.findings:
        console.print(_findings_table(volume_findings(result.findings)))
    console.print(_totals_table(result))
    console.print(_periods_table(result))


def _report_json(report: AuditReport) -> dict[str, Any]:
    return {
        "cdr_id": report.cdr_id,
        "ok": report.ok,
        "differences": [asdict(d) for d in report.differences],
        "findings": [asdict(f) for f in report.findings],
        "recomputed": _result_json(report.result),
    }


def audit_command(
    cdr: Annotated[Path, typer.Option("--cdr", help="The partner's CDR (JSON).")],
    tariff: TariffOption = None,
    tz: ZoneOption = "UTC",
    tolerance: Annotated[
        str, typer.Option("--tolerance", help="Largest money difference to accept.")
    ] = "0.01",
    as_json: JsonOption = False,
) -> None:
    """Recompute a partner's CDR and report every difference beyond the tolerance.

    Exit code 0 when the CDR matches, 1 when there are differences, 2 when input is unusable.
    """
    try:
        record: CDR = _load(cdr, CDR)
        chosen = _load(tariff, Tariff) if tariff is not None else tariff_of(record)
        report = audit(record, chosen, _zone(tz), tolerance=Decimal(tolerance))
    except (InputError, ValueError, InvalidOperation) as error:
        raise _fail(InputError(str(error) or "invalid --tolerance")) from None
    console = Console(highlight=False)
    if as_json:
        console.print_json(_dumps(_report_json(report)))
    elif report.ok:
        console.print(f"[green]✓ CDR {report.cdr_id} matches[/] tariff {chosen.id}")
    else:
        console.print(f"[red]✗ CDR {report.cdr_id}: {len(report.differences)} difference(s)[/]")
        table = Table(header_style="bold", expand=False)
        for name in ("where", "recomputed", "CDR says", "why"):
            table.add_column(name, overflow="fold")
        for d in report.differences:
            table.add_row(d.where, d.expected, d.actual, d.message)
        console.print(table)
    if report.findings and not as_json:
        console.print(_findings_table(report.findings))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_DIFFERENCES)
