"""Assessing a strike from the dashboard: a dry run first (counts only, nothing
written), then the real run on confirmation.

Figures are shown only for the trusts the user may see, as the assess API does: a trust's
user sees its own bookings now and after the run. What the run changes strike-wide
(added, removed, re-labelled, moved, decided bookings now outside the rules, with their
references) covers every trust, so only national users see it.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from strikes.models import Strike
from strikes.services import Assessment, ImpactCounts, strike_assess
from trusts.models import Trust
from trusts.pages import staff_page
from trusts.scope import trust_ids_for

from .readiness import impact_counts_by_trust
from .strike_page import ASSESSABLE, back_to_strike, may_assess, strike_facts, strike_or_404


@dataclass(frozen=True)
class TrustPreview:
    trust: Trust
    now: ImpactCounts
    after: ImpactCounts


def summed(rows: Iterable[ImpactCounts]) -> ImpactCounts:
    rows = list(rows)
    return ImpactCounts(
        **{f.name: sum(getattr(row, f.name) for row in rows) for f in fields(ImpactCounts)}
    )


def _visible_trusts(user: Any, codes: Iterable[str]) -> list[Trust]:
    trusts = Trust.objects.filter(ods_code__in=set(codes))
    visible = trust_ids_for(user)
    if visible is not None:
        trusts = trusts.filter(pk__in=visible)
    return list(trusts.order_by("name"))


def _previews(strike: Strike, user: Any, assessment: Assessment) -> list[TrustPreview]:
    after = assessment.by["trust"]
    now = impact_counts_by_trust(strike=strike, user=user)
    return [
        TrustPreview(
            trust=trust,
            now=now.get(trust.ods_code, ImpactCounts()),
            after=after.get(trust.ods_code, ImpactCounts()),
        )
        for trust in _visible_trusts(user, [*after, *now])
    ]


@staff_page
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest, strike_id: uuid.UUID) -> HttpResponse:
    strike = strike_or_404(strike_id)
    if request.method == "POST":
        return _run(request, strike)
    try:
        preview = strike_assess(strike=strike, dry_run=True, dimensions=("trust",))
    except DomainError as refusal:
        messages.error(request, str(refusal))
        return back_to_strike(request, strike)
    rows = _previews(strike, request.user, preview)
    context = {
        **strike_facts(strike, timezone.now()),
        "page_title": _("Assess %(strike)s") % {"strike": strike.title},
        "nav": "strikes",
        "rows": rows,
        "total_now": summed(row.now for row in rows),
        "total_after": summed(row.after for row in rows),
        "national": request.staff.national,  # type: ignore[attr-defined]
        "preview": preview,
        "may_assess": strike.status in ASSESSABLE and may_assess(request.user, strike),
    }
    return render(request, "dashboard/strikes/assess.jinja", context)


def _run(request: HttpRequest, strike: Strike) -> HttpResponse:
    if not may_assess(request.user, strike):
        raise PermissionDenied(
            _(
                "Assessing needs operations staff or a trust admin at a trust taking part "
                "in this strike."
            )
        )
    try:
        result = strike_assess(strike=strike, dimensions=("trust",))
    except DomainError as refusal:
        messages.error(request, str(refusal))
        return back_to_strike(request, strike)
    rows = _previews(strike, request.user, result)
    total = summed(row.after for row in rows)
    messages.success(request, _result_sentence(total, result, request.staff.national))  # type: ignore[attr-defined]
    if result.decided_outside and request.staff.national:  # type: ignore[attr-defined]
        messages.warning(
            request,
            ngettext(
                "%(count)s decided booking no longer falls inside the strike's rules. It "
                "was kept as decided; check it in the worklist.",
                "%(count)s decided bookings no longer fall inside the strike's rules. They "
                "were kept as decided; check them in the worklist.",
                result.decided_outside,
            )
            % {"count": f"{result.decided_outside:,}"},
        )
    return back_to_strike(request, strike)


def _result_sentence(total: ImpactCounts, result: Assessment, national: bool) -> str:
    where = _("at every trust") if national else _("at your trusts")
    sentence = _(
        "Assessment finished. %(in_strike)s bookings %(where)s fall in the strike: "
        "%(exempt)s exempt, %(at_risk)s at risk and undecided, %(postponed)s postponed, "
        "%(going_ahead)s going ahead."
    ) % {
        "in_strike": f"{total.in_strike:,}",
        "where": where,
        "exempt": f"{total.exempt:,}",
        "at_risk": f"{total.at_risk:,}",
        "postponed": f"{total.postponed:,}",
        "going_ahead": f"{total.going_ahead:,}",
    }
    if national:
        sentence += " " + _(
            "Changes: %(added)s added, %(removed)s removed, %(reclassified)s re-labelled, "
            "%(moved)s moved within the strike."
        ) % {
            "added": f"{result.added:,}",
            "removed": f"{result.removed:,}",
            "reclassified": f"{result.reclassified:,}",
            "moved": f"{result.moved:,}",
        }
    return sentence
