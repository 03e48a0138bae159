"""Staff pages for notices delivered by hand: the letter batch to print, the call list.

Both pages show patients' names, addresses and phone numbers, so: login required, only
trusts the user belongs to (another trust's page is 404, as if it did not exist), only
operations staff and trust admins (a viewer gets 403), and never cached. They are pages
of the staff dashboard (``staff_page``), reached from the strike's notices page.
"""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from appointments.models import Channel, Notice
from appointments.notices.by_hand import (
    ByHandRefused,
    NoticeNotFound,
    NoticeNotOwed,
    call_list,
    letters_for_print,
    letters_mark_posted,
    may_handle,
    notice_mark_called,
)
from appointments.notices.dispatch import channels_sent_by_backend
from appointments.notices.messages import Message, compose, when
from appointments.references import format_booking_reference
from strikes.models import Strike
from trusts.models import Trust
from trusts.pages import staff_page
from trusts.scope import trust_ids_for

# A browser prints a few hundred pages comfortably; staff mark a batch posted and
# the next one appears. It also keeps the posted form's list of ids a sensible size.
LETTERS_PER_BATCH = 300
LETTERS_CSS = "css/letters.css"


@dataclass(frozen=True)
class Row:
    """One notice with its composed words, as a letter or a line of the call list."""

    notice: Notice
    message: Message

    @property
    def paragraphs(self) -> list[str]:
        return self.message.body.split("\n\n")

    @property
    def reference(self) -> str:
        return format_booking_reference(self.notice.appointment.reference)

    @property
    def appointment_when(self) -> str:
        return when(self.notice.appointment.starts_at)

    @property
    def due_by(self) -> str:
        return when(self.notice.due_by)


def _strike_and_trust(
    request: HttpRequest, strike_id: uuid.UUID, ods_code: str
) -> tuple[Strike, Trust]:
    """The strike and trust named in the URL; 404 for a trust the user has no role at,
    so another trust's pages look exactly like ones that do not exist; 403 for a viewer."""
    strike = get_object_or_404(Strike, public_id=strike_id)
    trusts = Trust.objects.filter(ods_code=ods_code.upper())
    visible = trust_ids_for(request.user)
    if visible is not None:
        trusts = trusts.filter(pk__in=visible)
    trust = trusts.first()
    if trust is None:
        raise Http404("No such trust.")
    if not may_handle(request.user, trust):
        raise PermissionDenied(
            "Only operations staff and trust admins can see patients' contact details."
        )
    return strike, trust


def _dashboard(strike: Strike) -> dict[str, object]:
    """What the dashboard layout and the strike's tabs need: these pages sit under the
    strike's notices."""
    return {"nav": "strikes", "strike": strike, "strike_tab": "notices"}


def _letters_css() -> str:
    """The print stylesheet's text, put inside a downloaded batch so it prints the same
    when opened from a disk, away from our static files."""
    path = finders.find(LETTERS_CSS)
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    with staticfiles_storage.open(LETTERS_CSS) as handle:
        return handle.read().decode("utf-8")


@staff_page
@require_http_methods(["GET", "POST"])
def letters(request: HttpRequest, strike_id: uuid.UUID, ods_code: str) -> HttpResponse:
    strike, trust = _strike_and_trust(request, strike_id, ods_code)
    if request.method == "POST":
        return _mark_posted(request, strike, trust)
    now = timezone.now()
    try:
        owed = letters_for_print(strike=strike, trust=trust, user=request.user, now=now)
    except ByHandRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    batch = [Row(notice, compose(notice)) for notice in owed[:LETTERS_PER_BATCH]]
    total = len(batch) if len(batch) < LETTERS_PER_BATCH else owed.count()
    context = {
        **_dashboard(strike),
        "page_title": _("Letters to print"),
        "trust": trust,
        "letters": batch,
        "total": total,
        "today": timezone.localdate(now),
        # Letters go through the provider, so only its failures are here: the page says so.
        "letters_by_provider": Channel.LETTER in channels_sent_by_backend(),
        "notice_ids": ",".join(str(letter.notice.pk) for letter in batch),
    }
    if request.GET.get("download"):
        context["letters_css"] = _letters_css()
        response = render(request, "notices/letters_download.jinja", context)
        # Ids and a date only: the file name shows up in download folders and mail.
        filename = f"letters-{strike.public_id}-{trust.ods_code}-{context['today']:%Y-%m-%d}.html"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "notices/letters.jinja", context)


def _mark_posted(request: HttpRequest, strike: Strike, trust: Trust) -> HttpResponse:
    back = redirect("notices_letters", strike_id=strike.public_id, ods_code=trust.ods_code)
    try:
        ids = {int(part) for part in request.POST.get("notices", "").split(",") if part.strip()}
    except ValueError:
        messages.error(request, _("The list of letters was not understood. Reload the page."))
        return back
    if not ids:
        messages.error(request, _("There were no letters to mark as posted."))
        return back
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            ngettext(
                "Confirm that you have posted the %(count)d letter.",
                "Confirm that you have posted all %(count)d letters.",
                len(ids),
            )
            % {"count": len(ids)},
        )
        return back
    try:
        posted = letters_mark_posted(strike=strike, trust=trust, notice_ids=ids, actor=request.user)
    except ByHandRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    if posted:
        messages.success(
            request,
            ngettext(
                "%(count)d letter marked as posted.", "%(count)d letters marked as posted.", posted
            )
            % {"count": posted},
        )
    skipped = len(ids) - posted
    if skipped:
        messages.warning(
            request,
            ngettext(
                "%(count)d letter was not marked as posted: it had been marked already, or "
                "it was withdrawn because it is no longer true. Check it before it is posted.",
                "%(count)d letters were not marked as posted: they had been marked already, "
                "or were withdrawn because they are no longer true. Check them before they "
                "are posted.",
                skipped,
            )
            % {"count": skipped},
        )
    return back


@staff_page
@require_http_methods(["GET", "POST"])
def calls(request: HttpRequest, strike_id: uuid.UUID, ods_code: str) -> HttpResponse:
    strike, trust = _strike_and_trust(request, strike_id, ods_code)
    if request.method == "POST":
        return _record_call(request, strike, trust)
    now = timezone.now()
    try:
        owed = call_list(strike=strike, trust=trust, user=request.user, now=now)
    except ByHandRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    rows = [Row(notice, compose(notice)) for notice in owed]
    return render(
        request,
        "notices/calls.jinja",
        {
            **_dashboard(strike),
            "page_title": _("Patients to call"),
            "trust": trust,
            "rows": rows,
            "now": now,
        },
    )


def _record_call(request: HttpRequest, strike: Strike, trust: Trust) -> HttpResponse:
    back = redirect("notices_calls", strike_id=strike.public_id, ods_code=trust.ods_code)
    outcome = request.POST.get("outcome")
    try:
        notice_id = int(request.POST.get("notice", ""))
    except ValueError:
        raise Http404("No such notice.") from None
    if outcome not in ("called", "no_answer"):
        messages.error(request, _("Choose Called or No answer."))
        return back
    # The notice must belong to the strike and trust of this page, not just any the user
    # may see: the banner and the list the user returns to are this page's.
    notice = Notice.objects.filter(pk=notice_id, strike=strike, appointment__trust=trust).first()
    if notice is None:
        raise Http404("No such notice.")
    try:
        saved = notice_mark_called(
            notice_id=notice_id, actor=request.user, reached=outcome == "called"
        )
    except NoticeNotFound as missing:
        raise Http404(str(missing)) from missing
    except ByHandRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except NoticeNotOwed as gone:
        messages.warning(request, str(gone))
        return back
    # The booking reference, not the patient's name: messages are kept in the session.
    reference = format_booking_reference(saved.appointment.reference)
    if outcome == "called":
        messages.success(request, _("Booking %(ref)s: call recorded.") % {"ref": reference})
    else:
        messages.success(
            request,
            _("Booking %(ref)s: no answer recorded. The patient stays on the list.")
            % {"ref": reference},
        )
    return back
