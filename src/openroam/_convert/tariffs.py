"""Tariffs between OCPI 2.2.1 (stored) and 2.1.1 (mod_tariffs.md, 2.1.1). Depth 0 only.

The element rule differs: in 2.1.1 the first element whose restrictions hold applies as a whole
(mod_tariffs.md 3.1: a dimension it lacks is free), in 2.2.1 each dimension takes the first
element that prices it and whose restrictions hold (2.2.1 mod_tariffs, Tariff object). The
conversion keeps the price exactly where it can: see :func:`elements_from_v211` (always exact)
and :func:`elements_to_v211` (exact unless it reports a finding).

Lost from 2.2.1:

* ``country_code``, ``party_id``, ``type`` (a 2.1.1 partner is sent every Tariff, whatever its
  TariffType), ``min_price``, ``max_price``, ``start_date_time``, ``end_date_time``.
* PriceComponent ``vat``: a 2.1.1 ``price`` is excluding VAT (mod_tariffs.md 4.2).
* An element restricted by ``reservation`` is left out (2.1.1 has no reservations; such an
  element never prices a charging session, so session prices are unchanged); an element
  restricted by ``min_current``/``max_current`` is left out (2.1.1 cannot say when it holds).
  Each is a finding of :func:`tariff_to_v211_checked`.
* A FLAT fee an element lacks and a later unrestricted element has: copied into the element
  (exact while a session stays in one element), but a session passing through both elements
  pays it twice in 2.1.1: a finding.
* A dimension an element lacks that the first later element pricing it restricts: 2.2.1 prices
  it from that later element while its restrictions hold, 2.1.1 cannot say so, and the dimension
  is free where the element applies: a finding.
* EnergyMix: EnvironmentalImpact ``category`` becomes ``source``; text as in the Locations
  converter (printable ASCII, one character for one).
* A Tariff with no element left raises :class:`~openroam._convert.locations.Unconvertible`.

Filled in for 2.2.1:

* ``country_code``, ``party_id`` from ``Context.owner``.
* Each element gets a ``price: 0``, ``step_size: 0`` component for every dimension a later
  element prices and it does not, so 2.2.1's per-dimension rule prices as 2.1.1's whole-element
  rule (:func:`elements_from_v211`). ``step_size``: where such a zero component is the last one
  of its dimension used in a session, its step (0, no rounding) is the one 2.2.1 applies.
* A PATCH body without ``last_updated`` gets the time of conversion.
"""

from __future__ import annotations

import logging
from typing import Any

from openroam._convert._context import Context, Doc, Related
from openroam._convert.locations import (
    Unconvertible,
    ascii_text,
    energy_mix_from_v211,
    energy_mix_to_v211,
    now_v211,
)

__all__ = [
    "CONVERTER",
    "TariffsConverter",
    "elements_from_v211",
    "elements_to_v211",
    "tariff_from_v211",
    "tariff_to_v211",
    "tariff_to_v211_checked",
]

log = logging.getLogger("openroam.convert")

_V221_ONLY = ("country_code", "party_id", "type", "min_price", "max_price")
_V221_ONLY_TIMES = ("start_date_time", "end_date_time")
_CURRENT = ("min_current", "max_current")


def _dimensions(element: Doc) -> list[str]:
    return [component.get("type") for component in element.get("price_components") or []]


def elements_from_v211(elements: list[Doc]) -> list[Doc]:
    """2.1.1 elements as 2.2.1 elements that price the same.

    Each element ``i`` gets, for every dimension ``d`` that a later element prices and ``i``
    does not, a component ``{type: d, price: 0, step_size: 0}``; restrictions are unchanged.

    Proof that 2.2.1's rule then prices as 2.1.1's. Take any moment of a session. If no element's
    restrictions hold, no dimension is priced under either rule. Otherwise let ``i`` be the first
    element whose restrictions hold; 2.1.1 applies ``i`` as a whole. For a dimension ``d``, 2.2.1
    takes the first element with a ``d`` component whose restrictions hold; no element before
    ``i`` holds, so it is ``i`` or later. (a) ``i`` priced ``d`` in 2.1.1: 2.2.1 takes ``i``'s own
    component, as 2.1.1 does. (b) ``i`` did not price ``d`` but a later element does: ``i`` now
    has the zero component, so 2.2.1 prices ``d`` at 0, which is what 2.1.1 charges for a
    dimension its element lacks. (c) no element from ``i`` on prices ``d`` in 2.1.1: none was
    given a ``d`` component either (only dimensions of later elements are added), so ``d`` is free
    under both rules. Every dimension at every moment is priced alike, hence the whole session.
    """
    out = []
    for index, element in enumerate(elements):
        own = set(_dimensions(element))
        added: list[str] = []
        for later in elements[index + 1 :]:
            for dimension in _dimensions(later):
                if dimension not in own and dimension not in added:
                    added.append(dimension)
        components = list(element.get("price_components") or [])
        components += [{"type": d, "price": 0, "step_size": 0} for d in added]
        out.append({**element, "price_components": components})
    return out


def _kept_for_v211(elements: list[Doc], findings: list[str]) -> list[tuple[int, Doc]]:
    kept = []
    for index, element in enumerate(elements):
        restrictions = element.get("restrictions") or {}
        if restrictions.get("reservation") is not None:
            findings.append(
                f"elements[{index}] is restricted to reservation "
                f"{restrictions['reservation']}: 2.1.1 has no reservations; left out"
            )
            continue
        kept.append((index, element))
    return kept


def elements_to_v211(elements: list[Doc]) -> tuple[list[Doc], list[str]]:
    """2.2.1 elements as 2.1.1 elements, and the findings where the price cannot stay the same.

    Elements restricted to a reservation are left out first (they never price charging or
    parking). Then each element ``i`` gets, for every dimension ``d`` it lacks, the ``d``
    component of the first later element ``j`` that prices ``d``. When ``j`` has no
    restrictions this is exact: wherever ``i`` is the first element that holds (so 2.1.1 applies
    it), 2.2.1 prices ``d`` with ``j``, which always holds. FLAT is the exception: a FLAT fee is
    charged once per element that prices it at some moment (docs/pricing.md, local policy 1), so
    a copy is a second fee for a session that passes through ``i`` and ``j``: a finding. When
    ``j`` has restrictions, 2.2.1 prices ``d`` with ``j`` only while they hold (else with a
    later one); 2.1.1 cannot say so, ``d`` stays free in ``i``, and a finding says so. Last,
    elements restricted by ``min_current``/``max_current`` are left out, with a finding.
    """
    findings: list[str] = []
    kept = _kept_for_v211(elements, findings)
    out: list[Doc] = []
    for position, (index, element) in enumerate(kept):
        restrictions = dict(element.get("restrictions") or {})
        if any(restrictions.get(key) is not None for key in _CURRENT):
            findings.append(
                f"elements[{index}] is restricted by current (min_current/max_current), "
                "which 2.1.1 cannot express; left out"
            )
            continue
        components = [_component_to_v211(c) for c in element.get("price_components") or []]
        own = {c.get("type") for c in components}
        for later_index, later in kept[position + 1 :]:
            for component in later.get("price_components") or []:
                dimension = component.get("type")
                if dimension in own:
                    continue
                own.add(dimension)
                if later.get("restrictions"):
                    findings.append(
                        f"elements[{index}] has no {dimension} component; 2.2.1 prices it with "
                        f"the restricted elements[{later_index}] (or a later one), which 2.1.1 "
                        f"cannot express: {dimension} is free where elements[{index}] applies"
                    )
                else:
                    components.append(_component_to_v211(component))
                    if dimension == "FLAT":
                        findings.append(
                            f"elements[{index}] is given the FLAT component of "
                            f"elements[{later_index}]: a session that passes through both "
                            "pays that fee twice in 2.1.1, once in 2.2.1"
                        )
        for key in ("reservation", *_CURRENT):
            restrictions.pop(key, None)
        converted: Doc = {**element, "price_components": components}
        if restrictions:
            converted["restrictions"] = restrictions
        else:
            converted.pop("restrictions", None)
        out.append(converted)
    return out, findings


def _component_to_v211(component: Doc) -> Doc:
    out = dict(component)
    out.pop("vat", None)
    return out


def tariff_to_v211_checked(doc: Doc) -> tuple[Doc, list[str]]:
    """A stored 2.2.1 Tariff as 2.1.1 (mod_tariffs.md 3.1), and the findings: where the 2.1.1
    Tariff does not price every session as the 2.2.1 one does. Raises
    :class:`~openroam._convert.locations.Unconvertible` when no element is left."""
    out = dict(doc)
    for key in (*_V221_ONLY, *_V221_ONLY_TIMES):
        out.pop(key, None)
    findings: list[str] = []
    if "elements" in out:
        out["elements"], findings = elements_to_v211(list(out["elements"] or []))
        if not out["elements"]:
            raise Unconvertible(
                f"Tariff {doc.get('id')!r}: no element 2.1.1 can express ({'; '.join(findings)})"
            )
    if doc.get("min_price") is not None or doc.get("max_price") is not None:
        findings.append("min_price/max_price: 2.1.1 has no price bounds; left out")
    if "energy_mix" in out:
        out["energy_mix"] = energy_mix_to_v211(out["energy_mix"])
    return ascii_text(out), findings


def tariff_to_v211(doc: Doc) -> Doc:
    """A stored 2.2.1 Tariff as 2.1.1; :func:`tariff_to_v211_checked` also returns the
    findings."""
    return tariff_to_v211_checked(doc)[0]


def _tariff_from_v211(doc: Doc, context: Context, whole: bool) -> Doc:
    out: dict[str, Any] = dict(doc)
    if isinstance(out.get("elements"), list):
        out["elements"] = elements_from_v211(out["elements"])
    if "energy_mix" in out:
        out["energy_mix"] = energy_mix_from_v211(out["energy_mix"])
    if whole:
        out = {
            "country_code": context.owner.country_code,
            "party_id": context.owner.party_id,
            **out,
        }
    return out


def tariff_from_v211(doc: Doc, context: Context) -> Doc:
    """A 2.1.1 Tariff (mod_tariffs.md 3.1) as 2.2.1, pricing every session alike."""
    return _tariff_from_v211(doc, context, whole=True)


def _depth(depth: int) -> None:
    if depth != 0:
        raise ValueError(f"Tariffs have depth 0 only, not {depth}")


class TariffsConverter:
    """The :class:`~openroam._convert._context.ObjectConverter` of Tariffs."""

    def to_v211(self, doc: Doc, depth: int = 0, related: Related | None = None) -> Doc:
        """A stored 2.2.1 Tariff as 2.1.1; a warning is logged (logger ``openroam.convert``)
        with the findings when the 2.1.1 Tariff does not price every session alike, so an
        operator learns what a 2.1.1 partner will compute differently. Conversions are made
        once per stored change and partner push, not per request (``_server/v211/cache.py``)."""
        _depth(depth)
        converted, findings = tariff_to_v211_checked(doc)
        if findings:
            log.warning(
                "Tariff %s as OCPI 2.1.1 does not price every session as in 2.2.1: %s",
                doc.get("id"),
                "; ".join(findings),
            )
        return converted

    def from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 Tariff as 2.2.1."""
        _depth(depth)
        return tariff_from_v211(doc, context)

    def patch_to_v211(self, doc: Doc, depth: int = 0) -> Doc:
        """A 2.2.1 PATCH body as 2.1.1 (2.2.1 has no Receiver PATCH for Tariffs; for
        completeness)."""
        _depth(depth)
        return tariff_to_v211_checked(doc)[0]

    def patch_from_v211(
        self, doc: Doc, context: Context, depth: int = 0, related: Related | None = None
    ) -> Doc:
        """A 2.1.1 PATCH body (mod_tariffs.md 2.2.3) as 2.2.1 fields, with ``last_updated``."""
        _depth(depth)
        out = _tariff_from_v211(doc, context, whole=False)
        out.setdefault("last_updated", now_v211())
        return out


CONVERTER = TariffsConverter()
