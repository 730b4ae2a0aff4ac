"""Optional content (layers) of a PDF: which groups are hidden on paper, and whether a layer or a
membership dictionary of layers is (`pdf_paint`'s interpreter asks as it reads a page).

A group is hidden when it is off in the document's default configuration, unless the automatic
state for printing (`/AS`, event Print) sets its print state (tester BK F7, 2026-12-07: a layer
shown on screen only was read as printed). A membership dictionary is judged by its visibility
expression (`/VE`) first, else by its policy (`/P`) over its groups (BK F16: `/AllOff` over a
group that is on hid its digit on paper, and it was read).

    off = hidden_layers(document.catalog)
    layer_hidden(properties_entry, off)     # True for content marked with a hidden layer
"""

from __future__ import annotations

from typing import Any

from pdfminer.pdftypes import resolve1


def layer_hidden(layer: Any, off: frozenset[int]) -> bool:
    """Whether an optional-content group, or a membership dictionary of groups, is off."""
    ref = getattr(layer, "objid", None)
    group = resolve1(layer)
    if not isinstance(group, dict):
        return False
    if getattr(group.get("Type"), "name", "") != "OCMD":
        return ref in off
    if group.get("VE") is not None:
        return not _shown(group.get("VE"), off)
    members = resolve1(group.get("OCGs"))
    ids = [getattr(m, "objid", None) for m in (members if isinstance(members, list) else [members])]
    hidden = [i in off for i in ids if i is not None]
    policy = getattr(group.get("P"), "name", "AnyOn")
    return bool(hidden) and {"AllOn": any(hidden), "AnyOff": not any(hidden), "AllOff": not all(hidden)}.get(
        policy, all(hidden))


def _shown(expression: Any, off: frozenset[int]) -> bool:
    """A visibility expression: a group, or [/And|/Or|/Not expression ...]."""
    if not isinstance(resolve1(expression), list):
        return getattr(expression, "objid", None) not in off
    operator, *operands = resolve1(expression)
    shown = [_shown(operand, off) for operand in operands]
    name = getattr(operator, "name", "")
    if name == "Not":
        return not shown[0] if shown else True
    return any(shown) if name == "Or" else all(shown)


def hidden_layers(catalog: Any) -> frozenset[int]:
    """The object ids of the optional-content groups hidden on paper: off in the document's default
    configuration, unless its automatic state for printing (`/AS`, event Print) sets a group's
    print state (`/Usage /Print /PrintState`): a layer shown on screen only is not printed, one
    printed only is (tester BK F7, 2026-12-07)."""
    properties = resolve1(catalog.get("OCProperties")) if isinstance(catalog, dict) else None
    default = resolve1(properties.get("D")) if isinstance(properties, dict) else None
    if not isinstance(properties, dict) or not isinstance(default, dict):
        return frozenset()

    def refs(found: Any) -> list[Any]:
        found = resolve1(found)
        return [r for r in found if hasattr(r, "objid")] if isinstance(found, list) else []

    every = {r.objid for r in refs(properties.get("OCGs"))}
    if getattr(default.get("BaseState"), "name", "ON") == "OFF":
        off = every - {r.objid for r in refs(default.get("ON"))}
    else:
        off = {r.objid for r in refs(default.get("OFF"))}
    automatic = resolve1(default.get("AS"))
    for entry in (resolve1(e) for e in (automatic if isinstance(automatic, list) else [])):
        if not isinstance(entry, dict) or getattr(resolve1(entry.get("Event")), "name", "") != "Print":
            continue
        for ref in refs(entry.get("OCGs")):
            state = _print_state(resolve1(ref))
            if state == "ON":
                off.discard(ref.objid)
            elif state == "OFF":
                off.add(ref.objid)
    return frozenset(off)


def _print_state(group: Any) -> str:
    """A group's `/Usage /Print /PrintState` (ON, OFF), '' when it states none."""
    usage = resolve1(group.get("Usage")) if isinstance(group, dict) else None
    printing = resolve1(usage.get("Print")) if isinstance(usage, dict) else None
    state = resolve1(printing.get("PrintState")) if isinstance(printing, dict) else None
    return str(getattr(state, "name", ""))
