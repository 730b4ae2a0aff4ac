"""操作员: the AMS (and report platform, registration check) operators configured, each with its
refusal state: a refused login waits for a person to clear it (after the password is fixed or the
operator unlocked), as `rpa operators clear` does; the clearing is in the audit chain."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from rpa.console.roles import Action
from rpa.console.web import Refused, can, done_and_back, guarded_router, record, render, require, state_of
from rpa.masking import FieldClass, mask
from rpa.run.operators import PORTAL_NAMES, OperatorRefusals

router = guarded_router()
PORTALS = {**PORTAL_NAMES, "enterprise_check": "企业信息联网核查"}


@router.get("/operators", response_class=HTMLResponse)
def operators(request: Request) -> HTMLResponse:
    settings = state_of(request).settings
    zone = ZoneInfo(settings.timezone)
    listing = OperatorRefusals.from_settings(settings).listing()
    refused = {(r.portal, r.operator_code): r for r in listing}
    place = {(r.portal, r.operator_code): [x for x in listing if x.portal == r.portal].index(r)
             for r in listing}
    rows = []
    for portal, name in PORTALS.items():
        configured = [op.code for op in settings.operators_for(portal)]
        for code in dict.fromkeys([*configured, *(c for p, c in refused if p == portal)]):
            refusal = refused.get((portal, code))
            rows.append({
                "portal": name, "portal_key": portal, "masked": mask(code, FieldClass.ACCOUNT_NO),
                "configured": code in configured, "refused": refusal is not None,
                "when": refusal.refused_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if refusal else "",
                "message": refusal.portal_message if refusal else "",
                "run": refusal.run_id if refusal else "",
                "index": place.get((portal, code), -1),
            })
    return render(request, "operators.html.j2", rows=rows, may_clear=can(request, Action.CLEAR_REFUSAL))


@router.post("/operators/{portal}/{index}/clear")
def clear(request: Request, portal: str, index: int) -> Response:
    """Clear one refusal, chosen by its place among the portal's refused operators: the page never
    carries an operator's code unmasked."""
    require(request, Action.CLEAR_REFUSAL)
    settings = state_of(request).settings
    refusals = OperatorRefusals.from_settings(settings)
    listed = [r for r in refusals.listing() if r.portal == portal]
    if not 0 <= index < len(listed):
        raise Refused(404, "没有这条拒绝登录记录（可能已被解除）：请刷新操作员页面")
    refusal = listed[index]
    refusals.clear(refusal.operator_code, portal)
    record(request, "operator.refusal_cleared", {
        "portal": portal, "operator": refusal.masked_code, "refused_at": refusal.refused_at.isoformat(),
        "portal_message": refusal.portal_message, "refused_in_run": refusal.run_id,
    })
    return done_and_back(request, "/operators", f"已解除操作员 {refusal.masked_code} 的拒绝登录记录")
