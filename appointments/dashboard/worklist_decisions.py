"""Bulk decisions from the worklist: what was asked, the count to confirm, the checked write.

A person confirms a number ("Postpone 37 bookings?") and that number must be the number
that changes. The count is therefore not computed by a second, look-alike query: it is
``impacts_decide`` itself, run inside a transaction that is always rolled back. The real
decision runs it again inside a transaction that is rolled back if it would change a
different number than the one confirmed (someone assessed or decided in between), so a
stale confirmation writes nothing at all.
"""

from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from appointments.models import Outcome
from config.errors import DomainError
from strikes.models import Strike
from strikes.services import DecisionResult, Selection, impacts_decide

from .worklist_filters import WorklistFilterForm

# More than a page of rows can never be ticked; a longer list is not from this page.
MOST_REFERENCES = 500
SELECTED, MATCHING = "selected", "matching"
DECISIONS = {
    f"{outcome}:{scope}": (outcome, scope)
    for outcome in (Outcome.POSTPONED, Outcome.GOING_AHEAD)
    for scope in (SELECTED, MATCHING)
}


class StaleConfirmation(DomainError):
    """The decision would now change a different number of bookings than was confirmed."""


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(key, key) for key in DECISIONS],
        error_messages={
            "required": gettext_lazy("Choose Postpone or Go ahead."),
            "invalid_choice": gettext_lazy("Choose Postpone or Go ahead."),
        },
    )
    expected = forms.IntegerField(min_value=0, required=False)

    def __init__(self, data: Any, *, filters: WorklistFilterForm, confirming: bool) -> None:
        super().__init__(data)
        self.references = tuple(r for r in data.getlist("booking") if r.strip())
        self.filters = filters
        self.confirming = confirming

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if "decision" not in cleaned:
            return cleaned
        outcome, scope = DECISIONS[cleaned["decision"]]
        cleaned.update(outcome=outcome, scope=scope)
        if scope == SELECTED and not self.references:
            raise forms.ValidationError(
                _(
                    "Select at least one booking, or choose the action for all bookings "
                    "matching the filters."
                )
            )
        if len(self.references) > MOST_REFERENCES:
            raise forms.ValidationError(
                _("Select at most %(most)s bookings at a time.") % {"most": MOST_REFERENCES}
            )
        if scope == MATCHING and not self.filters.is_valid():
            raise forms.ValidationError(
                _("Correct the filters first: nothing was decided for them.")
            )
        if self.confirming and cleaned.get("expected") is None:
            raise forms.ValidationError(
                _("The confirmation step was missing. Nothing was changed: try again.")
            )
        return cleaned

    @property
    def outcome(self) -> str:
        return self.cleaned_data["outcome"]

    @property
    def scope(self) -> str:
        return self.cleaned_data["scope"]

    def selection(self) -> Selection:
        if self.scope == SELECTED:
            return Selection(references=self.references)
        return self.filters.selection()


class _RollBack(Exception):
    def __init__(self, result: DecisionResult) -> None:
        self.result = result


def decision_preview(
    *, strike: Strike, outcome: str, selection: Selection, actor: Any
) -> DecisionResult:
    """What ``impacts_decide`` would do now, by doing it and rolling it back."""
    try:
        with transaction.atomic():
            raise _RollBack(
                impacts_decide(strike=strike, outcome=outcome, selection=selection, actor=actor)
            )
    except _RollBack as rolled_back:
        return rolled_back.result


def decide_as_confirmed(
    *, strike: Strike, outcome: str, selection: Selection, actor: Any, expected: int
) -> DecisionResult:
    """``impacts_decide``, kept only if it changed exactly the confirmed number.

    Changing nothing is kept too (it wrote nothing): that is a second submission of the
    same decision, which the result reports as already decided.
    """
    with transaction.atomic():
        result = impacts_decide(strike=strike, outcome=outcome, selection=selection, actor=actor)
        if result.changed and result.changed != expected:
            raise StaleConfirmation(
                ngettext(
                    "You confirmed %(expected)s booking, but %(now)s would change now: "
                    "someone has decided or assessed in the meantime.",
                    "You confirmed %(expected)s bookings, but %(now)s would change now: "
                    "someone has decided or assessed in the meantime.",
                    expected,
                )
                % {"expected": expected, "now": result.changed}
                + " "
                + _("Nothing was changed. Check the list and try again.")
            )
    return result


def question(outcome: str, count: int) -> str:
    if outcome == Outcome.POSTPONED:
        return ngettext("Postpone %(count)s booking?", "Postpone %(count)s bookings?", count) % {
            "count": count
        }
    return ngettext(
        "Let %(count)s booking go ahead?", "Let %(count)s bookings go ahead?", count
    ) % {"count": count}


def consequence(outcome: str, strike: Strike) -> str:
    if outcome == Outcome.POSTPONED:
        return _("Patients will be told they will get a new date.")
    if strike.send_going_ahead_notices:
        return _("The appointments stay booked. Patients will be told to attend as normal.")
    return _(
        "The appointments stay booked. Patients who were told of a postponement will be "
        "told it goes ahead after all; others are not contacted."
    )


def confirm_label(outcome: str, count: int) -> str:
    if outcome == Outcome.POSTPONED:
        return ngettext(
            "Yes, postpone %(count)s booking", "Yes, postpone %(count)s bookings", count
        ) % {"count": count}
    return ngettext(
        "Yes, let %(count)s booking go ahead", "Yes, let %(count)s bookings go ahead", count
    ) % {"count": count}


def done(result: DecisionResult) -> str:
    """The first sentence of the banner after a decision."""
    if result.changed == 0:
        if result.unchanged:
            return already(result.outcome, result.unchanged, nothing_changed=True)
        return _("Nothing changed: no booking matching your choice could be decided.")
    if result.outcome == Outcome.POSTPONED:
        return ngettext(
            "Postponed %(count)s booking.", "Postponed %(count)s bookings.", result.changed
        ) % {"count": result.changed}
    return ngettext(
        "%(count)s booking will go ahead.", "%(count)s bookings will go ahead.", result.changed
    ) % {"count": result.changed}


def already(outcome: str, count: int, *, nothing_changed: bool = False) -> str:
    if outcome == Outcome.POSTPONED:
        text = ngettext(
            "%(count)s booking is already postponed.",
            "%(count)s bookings are already postponed.",
            count,
        )
    else:
        text = ngettext(
            "%(count)s booking is already going ahead.",
            "%(count)s bookings are already going ahead.",
            count,
        )
    text = text % {"count": count}
    return _("Nothing changed: %(already)s") % {"already": text} if nothing_changed else text


def left_alone(result: DecisionResult) -> list[str]:
    """Sentences about the bookings a decision leaves alone (true before and after it)."""
    lines = []
    if result.changed and result.unchanged:
        lines.append(already(result.outcome, result.unchanged))
    if result.skipped_exempt:
        lines.append(
            ngettext(
                "%(count)s exempt booking matching the filters always goes ahead.",
                "%(count)s exempt bookings matching the filters always go ahead.",
                result.skipped_exempt,
            )
            % {"count": result.skipped_exempt}
        )
    if result.skipped_locked:
        lines.append(
            ngettext(
                "%(count)s booking is left as it is: it has the other decision (filter by "
                "decision to change it), its time has passed, or it moved since the strike "
                "was assessed.",
                "%(count)s bookings are left as they are: they have the other decision "
                "(filter by decision to change them), their time has passed, or they moved "
                "since the strike was assessed.",
                result.skipped_locked,
            )
            % {"count": result.skipped_locked}
        )
    return lines
