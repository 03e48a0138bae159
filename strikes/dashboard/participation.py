"""Recording whether a trust takes part in a strike, from the strike page.

The trust in the URL must be one of the user's (another trust's is a 404, as if it did not
exist); a viewer there gets 403. ``participation_upsert`` makes the same checks and the
write.
"""

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.exceptions import ValidationError as ApiValidationError

from config.errors import DomainError
from strikes.models import Participation, Strike
from strikes.services import participation_upsert
from trusts.models import Trust
from trusts.pages import staff_page
from trusts.scope import trust_ids_for

from .strike_page import strike_or_404

YES, NO = "yes", "no"


class ParticipationForm(forms.Form):
    participating = forms.ChoiceField(
        choices=[(YES, YES), (NO, NO)],
        error_messages={"required": gettext_lazy("Select whether the trust takes part")},
    )
    ballot_turnout = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        error_messages={
            "invalid": gettext_lazy("Ballot turnout must be a number, like 58 or 61.5"),
            "min_value": gettext_lazy("Ballot turnout must be 0 or more"),
            "max_value": gettext_lazy("Ballot turnout must be 100 or less"),
            "max_decimal_places": gettext_lazy("Ballot turnout can have up to 2 decimal places"),
            "max_digits": gettext_lazy("Ballot turnout must be 100 or less"),
        },
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


def _own_trust_or_404(user: Any, ods_code: str) -> Trust:
    trusts = Trust.objects.filter(ods_code=ods_code.upper())
    visible = trust_ids_for(user)
    if visible is not None:
        trusts = trusts.filter(pk__in=visible)
    trust = trusts.first()
    if trust is None:
        raise Http404("No such trust.")
    return trust


def _initial(strike: Strike, trust: Trust) -> dict[str, Any]:
    record = Participation.objects.filter(strike=strike, trust=trust).first()
    if record is None:
        return {}
    return {
        "participating": YES if record.participating else NO,
        "ballot_turnout": record.ballot_turnout,
        "note": record.note,
    }


@staff_page
@require_http_methods(["GET", "POST"])
def participation_edit(request: HttpRequest, strike_id: uuid.UUID, ods_code: str) -> HttpResponse:
    strike = strike_or_404(strike_id)
    trust = _own_trust_or_404(request.user, ods_code)
    if not request.staff.may_act_at(trust.pk):  # type: ignore[attr-defined]
        raise PermissionDenied(
            _("Only operations staff and trust admins can record whether a trust takes part.")
        )
    if request.method == "POST":
        form = ParticipationForm(request.POST)
        if form.is_valid():
            try:
                participation_upsert(
                    strike=strike,
                    trust=trust,
                    actor=request.user,
                    participating=form.cleaned_data["participating"] == YES,
                    ballot_turnout=form.cleaned_data["ballot_turnout"],
                    note=form.cleaned_data["note"].strip(),
                )
            except ApiValidationError as invalid:
                for field, problems in invalid.detail.items():  # type: ignore[union-attr]
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, str(problem))
            except DomainError as refusal:
                form.add_error(None, str(refusal))
            else:
                taking_part = form.cleaned_data["participating"] == YES
                messages.success(
                    request,
                    (
                        _("Recorded: %(trust)s takes part.")
                        if taking_part
                        else _("Recorded: %(trust)s does not take part.")
                    )
                    % {"trust": trust.name}
                    + " "
                    + _("Assess the strike again to bring its bookings in line."),
                )
                return redirect("dashboard_strike", strike_id=strike.public_id)
    else:
        form = ParticipationForm(initial=_initial(strike, trust))
    errors = [
        {"text": str(message), "href": f"#{field if field != '__all__' else 'participating'}"}
        for field, problems in form.errors.items()
        for message in problems
    ]
    title = _("Does %(trust)s take part?") % {"trust": trust.name}
    return render(
        request,
        "dashboard/strikes/participation.jinja",
        {
            "page_title": (_("Error: ") if errors else "") + title,
            "title": title,
            "nav": "strikes",
            "strike": strike,
            "trust": trust,
            "form": form,
            "errors": errors,
            "value": form.data if form.is_bound else form.initial,
        },
    )
