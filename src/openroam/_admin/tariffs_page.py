"""The Tariffs page (docs/console.md "Tariffs").

* ``/admin/tariffs``: every Tariff the node holds, own and partners' (a page of
  :data:`PAGE_SIZE`, filtered by source), each in words (:mod:`openroam.pricing._words`) and as a
  chart: the price of the reference session by start time across a week
  (:mod:`openroam._admin._tariff_week`), in the time zone of a Location that lists it
  (:mod:`openroam._services.tariff_catalogue`).
* ``/admin/tariffs/{origin}/{country_code}/{party_id}/{tariff_id}``: one Tariff (``origin`` 0:
  our own, else the partner's id), with its stored document.

The reference session is ``console.reference_kwh`` over ``console.reference_hours``; the page's
form (GET) changes it, and the week shown, for one view. A stored Tariff that no longer reads as
one, or that the engine cannot price, is shown with the reason instead of a chart: partner data
never breaks the page.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from pydantic import ValidationError
from starlette.responses import Response

from openroam._admin._auth import Visitor, visitor
from openroam._admin._charts import Series, line_chart
from openroam._admin._render import render
from openroam._admin._tariff_week import (
    ReferenceSession,
    StartPrice,
    monday_of,
    validity_note,
    week_prices,
)
from openroam._config import ConsoleConfig
from openroam._services.node import Node
from openroam._services.tariff_catalogue import HeldTariff, TariffCatalogue, TariffZone
from openroam.models.v221.tariffs import Tariff
from openroam.pricing._words import TariffWords, describe_tariff, money

__all__ = ["PAGE_SIZE", "add_routes"]

log = logging.getLogger("openroam.console")

#: Tariffs per page: each costs a week of pricing (336 sessions, ≈ 15 ms).
PAGE_SIZE = 10
# The bounds of the reference session, as those of its settings (ConsoleConfig).
_MAX_KWH = Decimal(1000)
_MAX_HOURS = Decimal(48)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the visitor asked to see (the GET form), checked."""

    session: ReferenceSession
    monday: date
    problems: tuple[str, ...]
    """Why a value given was not used (the default was)."""
    customised: bool
    """The reference session differs from the settings'."""

    @property
    def kwh(self) -> str:
        return _plain(self.session.kwh)

    @property
    def hours(self) -> str:
        return _plain(self.session.hours)

    @property
    def kw(self) -> str:
        """The reference session's average power, for a sentence."""
        return _plain(self.session.kw.quantize(Decimal("0.01")))

    def query(self, **more: str) -> str:
        """The query string that keeps these choices (for links)."""
        values = {"kwh": self.kwh, "hours": self.hours}
        values["week"] = self.monday.isoformat()
        values.update({k: v for k, v in more.items() if v})
        return urlencode(values)


@dataclass(frozen=True, slots=True)
class TariffView:
    """One Tariff as the page shows it."""

    held: HeldTariff
    link: str
    tariff: Tariff | None
    problem: str | None
    """Why it has no words or chart (unreadable, unpriceable)."""
    words: TariffWords | None
    zone: TariffZone
    chart: Markup | None
    lowest: str | None
    highest: str | None
    validity: str | None
    clock_change: str | None
    """Said when the clocks change in the week shown."""
    unmeasured: str | None = None
    """The elements restricted on current, which never apply to the reference session."""


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _decimal(value: str | None, name: str, high: Decimal, problems: list[str]) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not Decimal(0) < number <= high:
        problems.append(f"{name} must be a number above 0 and at most {high}: {value!r} ignored.")
        return None
    return number


def _choices(
    config: ConsoleConfig, kwh: str | None, hours: str | None, week: str | None
) -> Choices:
    problems: list[str] = []
    default_kwh = Decimal(str(config.reference_kwh))
    default_hours = Decimal(str(config.reference_hours))
    chosen_kwh = _decimal(kwh, "kWh", _MAX_KWH, problems) or default_kwh
    chosen_hours = _decimal(hours, "Hours", _MAX_HOURS, problems) or default_hours
    monday = monday_of(datetime.now(UTC).date())
    if week and week.strip():
        try:
            monday = monday_of(date.fromisoformat(week.strip()))
        except ValueError:
            problems.append(f"Week must be a date (YYYY-MM-DD): {week!r} ignored.")
    return Choices(
        ReferenceSession(chosen_kwh, chosen_hours),
        monday,
        tuple(problems),
        (chosen_kwh, chosen_hours) != (default_kwh, default_hours),
    )


def _link(held: HeldTariff) -> str:
    parts = (str(held.origin), held.country_code, held.party_id, held.tariff_id)
    return "/admin/tariffs/" + "/".join(quote(part, safe="") for part in parts)


def _when(point: StartPrice) -> str:
    return point.start.strftime("%a %Y-%m-%d %H:%M")


def _chart(
    held: HeldTariff, tariff: Tariff, zone: TariffZone, choices: Choices, prices: list[StartPrice]
) -> Markup:
    currency = tariff.currency
    by_x = {point.hours_into_week: point for point in prices}

    def label(x: float, _y: float) -> str:
        point = by_x[x]
        return (
            f"{_when(point)} {zone.zone.key}: {money(point.incl_vat, currency)} incl. VAT "
            f"({money(point.excl_vat, currency)} excl. VAT)"
        )

    days = [choices.monday + timedelta(days=offset) for offset in range(7)]
    session = choices.session
    return line_chart(
        [
            Series(
                "price incl. VAT",
                [(point.hours_into_week, float(point.incl_vat)) for point in prices],
                label=label,
            )
        ],
        title=(
            f"Price of {_plain(session.kwh)} kWh over {_plain(session.hours)} h by start time, "
            f"{days[0].isoformat()} to {days[-1].isoformat()} ({zone.zone.key})"
        ),
        description=(
            f"Price incl. VAT in {currency} of the reference session, by its start time every 30 "
            f"minutes from Monday 00:00 to Sunday 23:30."
        ),
        x_ticks=[(24.0 * index, day.strftime("%a %d")) for index, day in enumerate(days)],
        y_format=lambda y: f"{y:.2f}",
        step=True,
        ident=f"chart-{held.pk}",
    )


def _extreme(prices: list[StartPrice], currency: str, lowest: bool) -> str:
    value = min(p.incl_vat for p in prices) if lowest else max(p.incl_vat for p in prices)
    at = [p for p in prices if p.incl_vat == value]
    return (
        f"{money(value, currency)}, for {len(at)} of the {len(prices)} starts "
        f"(the first: {_when(at[0])})"
    )


def _view(held: HeldTariff, zone: TariffZone, choices: Choices) -> TariffView:
    """Everything shown of one Tariff; CPU-bound (a week of pricing), run in a thread."""
    link = _link(held)
    try:
        tariff = Tariff.model_validate_json(held.document)
    except ValidationError as error:
        problem = (
            "The stored tariff does not read as an OCPI 2.2.1 Tariff "
            f"({error.error_count()} problems): no words or chart."
        )
        return TariffView(held, link, None, problem, None, zone, None, None, None, None, None)
    words = describe_tariff(tariff)
    try:
        prices = week_prices(tariff, zone.zone, choices.monday, choices.session)
    except Exception as error:  # partner data must not break the page: say why, go on
        log.exception("console: pricing tariff %s of %s failed", held.tariff_id, held.source)
        problem = f"The tariff engine could not price it: {type(error).__name__}: {error}"
        return TariffView(held, link, tariff, problem, words, zone, None, None, None, None, None)
    return TariffView(
        held,
        link,
        tariff,
        None,
        words,
        zone,
        _chart(held, tariff, zone, choices, prices),
        _extreme(prices, tariff.currency, lowest=True),
        _extreme(prices, tariff.currency, lowest=False),
        validity_note(tariff, zone.zone, choices.monday),
        _clock_change(prices, zone),
        _current_elements(tariff),
    )


def _current_elements(tariff: Tariff) -> str | None:
    numbers = [
        str(index + 1)
        for index, element in enumerate(tariff.elements)
        if element.restrictions is not None
        and (
            element.restrictions.min_current is not None
            or element.restrictions.max_current is not None
        )
    ]
    if not numbers:
        return None
    if len(numbers) == 1:
        which, verb, pronoun = f"Element {numbers[0]}", "restricts", "it is"
    else:
        listed = f"{', '.join(numbers[:-1])} and {numbers[-1]}"
        which, verb, pronoun = f"Elements {listed}", "restrict", "they are"
    return (
        f"{which} of this tariff {verb} the current, which the reference session does not "
        f"measure: {pronoun} not in this chart."
    )


def _clock_change(prices: list[StartPrice], zone: TariffZone) -> str | None:
    if len({point.start.utcoffset() for point in prices}) < 2:
        return None
    return (
        f"The clocks change in {zone.zone.key} this week. Starts are wall-clock times: one the "
        "clocks skip is read as the same time after the change (02:30 as 03:30), one they repeat "
        "as its first occurrence."
    )


async def _views(
    catalogue: TariffCatalogue, tariffs: list[HeldTariff], choices: Choices
) -> list[TariffView]:
    zones = await catalogue.zones(tariffs)

    def build() -> list[TariffView]:
        return [_view(held, zones[held.pk], choices) for held in tariffs]

    # Pricing a page of tariffs takes a while: off the event loop, so other requests go on.
    return await asyncio.to_thread(build)


def _node(request: Request) -> Node:
    node: Node = request.app.state.node
    return node


def _config(request: Request) -> ConsoleConfig:
    config = getattr(request.app.state, "console_settings", None)
    return config if isinstance(config, ConsoleConfig) else ConsoleConfig()


def _catalogue(request: Request) -> TariffCatalogue:
    node = _node(request)
    return TariffCatalogue(node.db, node.v211_time_zone)


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def add_routes(router: APIRouter) -> None:
    async def page(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        source: str | None = None,
        page: str | None = None,
        kwh: str | None = None,
        hours: str | None = None,
        week: str | None = None,
    ) -> Response:
        choices = _choices(_config(request), kwh, hours, week)
        problems = list(choices.problems)
        catalogue = _catalogue(request)
        sources = await catalogue.sources()
        origin: int | None = None
        chosen = (source or "").strip()
        if chosen == "own":
            origin = 0
        elif chosen:
            if chosen.isdigit() and int(chosen) in sources:
                origin = int(chosen)
            else:
                problems.append("No such source: showing the tariffs of every source.")
                chosen = ""
        number = _page_number(page)
        found = await catalogue.page(origin, (number - 1) * PAGE_SIZE, PAGE_SIZE)
        pages = max(1, -(-found.total // PAGE_SIZE))
        views = await _views(catalogue, found.tariffs, choices)
        return render(
            request,
            "tariffs.html",
            visitor=who,
            views=views,
            choices=choices,
            problems=problems,
            sources=sorted(sources.items(), key=lambda item: item[1].lower()),
            source=chosen,
            total=found.total,
            number=number,
            pages=pages,
            previous=choices.query(source=chosen, page=str(number - 1)) if number > 1 else None,
            following=(
                choices.query(source=chosen, page=str(number + 1)) if number < pages else None
            ),
        )

    async def one(
        request: Request,
        who: Annotated[Visitor, Depends(visitor)],
        origin: int,
        country_code: str,
        party_id: str,
        tariff_id: str,
        kwh: str | None = None,
        hours: str | None = None,
        week: str | None = None,
    ) -> Response:
        choices = _choices(_config(request), kwh, hours, week)
        catalogue = _catalogue(request)
        held = await catalogue.get(origin, country_code, party_id, tariff_id)
        [view] = await _views(catalogue, [held], choices)
        document = orjson.dumps(orjson.loads(held.document), option=orjson.OPT_INDENT_2).decode()
        return render(
            request,
            "tariff.html",
            visitor=who,
            view=view,
            choices=choices,
            problems=list(choices.problems),
            document=document,
        )

    router.add_api_route("/admin/tariffs", page, methods=["GET"])
    router.add_api_route(
        "/admin/tariffs/{origin}/{country_code}/{party_id}/{tariff_id}", one, methods=["GET"]
    )
