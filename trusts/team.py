"""The team page: a trust admin sees who works at their trusts, adds an existing account
with a role, changes a role and takes someone off.

The services in trusts/services.py decide (and refuse); these views only find the trust,
check the form's shape and show the outcome. National administrators manage memberships
in the admin site, so the page points them there. Anyone else gets 403.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import Membership, Trust
from .pages import staff_page
from .services import (
    MembershipInvalid,
    MembershipRefused,
    membership_add,
    membership_change_role,
    membership_remove,
)

ROLE_HINTS = {
    Membership.Role.VIEWER: gettext_lazy(
        "Sees the trust's strikes, bookings and figures; cannot change them or see patients' names."
    ),
    Membership.Role.OPERATIONS: gettext_lazy(
        "Decides which bookings are postponed, sends notices, records staff out and gives "
        "new dates."
    ),
    Membership.Role.ADMIN: gettext_lazy(
        "Everything operations staff do, and manages who is on this team."
    ),
}


class AddMemberForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        error_messages={"required": gettext_lazy("Enter the username of the person to add")},
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        error_messages={
            "required": gettext_lazy("Choose a role"),
            "invalid_choice": gettext_lazy("Choose viewer, operations or trust admin"),
        },
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        error_messages={
            "required": gettext_lazy("Choose a role"),
            "invalid_choice": gettext_lazy("Choose viewer, operations or trust admin"),
        },
    )


@dataclass
class TeamSection:
    """One trust the user administers, as the page shows it."""

    trust: Trust
    members: list[Membership]
    add_form: AddMemberForm = field(default_factory=AddMemberForm)
    # A message about one member's row, by username (a refused role change).
    row_errors: dict[str, str] = field(default_factory=dict)


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/team/forbidden.jinja",
        {"nav": "team", "page_title": _("You cannot manage this team")},
        status=403,
    )


@staff_page
@require_GET
def team(request: HttpRequest) -> HttpResponse:
    staff = request.staff  # type: ignore[attr-defined]
    if not staff.admin_trusts and not staff.national:
        return _forbidden(request)
    return _render_team(request, _sections(staff.admin_trusts))


def _sections(trusts: tuple[Trust, ...]) -> list[TeamSection]:
    memberships = (
        Membership.objects.filter(trust__in=trusts)
        .select_related("user")
        .order_by("user__username")
    )
    by_trust: dict[int, list[Membership]] = {trust.pk: [] for trust in trusts}
    for membership in memberships:
        by_trust[membership.trust_id].append(membership)
    return [TeamSection(trust=trust, members=by_trust[trust.pk]) for trust in trusts]


def _render_team(request: HttpRequest, sections: list[TeamSection]) -> HttpResponse:
    errors = []
    for section in sections:
        code = section.trust.ods_code
        for name, field_errors in section.add_form.errors.items():
            errors.append({"text": field_errors[0], "href": f"#add-{code}-{name}"})
        for username, message in section.row_errors.items():
            errors.append({"text": message, "href": f"#role-{code}-{username}"})
    title = _("Team")
    return render(
        request,
        "dashboard/team/index.jinja",
        {
            "nav": "team",
            "page_title": f"{_('Error: ')}{title}" if errors else title,
            "errors": errors,
            "sections": sections,
            "roles": [
                {
                    "value": value,
                    "text": label,
                    "hint": {"text": str(ROLE_HINTS[Membership.Role(value)])},
                }
                for value, label in Membership.Role.choices
            ],
            "role_labels": dict(Membership.Role.choices),
        },
    )


def _administered(request: HttpRequest, ods_code: str) -> Trust | HttpResponse:
    """The trust named in the URL if the user administers it. A trust the user cannot see
    is a 404 like a missing one; one they see in another role is a 403."""
    staff = request.staff  # type: ignore[attr-defined]
    trust = next((t for t in staff.admin_trusts if t.ods_code == ods_code), None)
    if trust is not None:
        return trust
    visible = staff.national or any(r.trust.ods_code == ods_code for r in staff.roles)
    if visible and Trust.objects.filter(ods_code=ods_code).exists():
        return _forbidden(request)
    raise Http404


def _done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    # Someone who just took away their own admin role can no longer see the team page.
    staff = request.staff  # type: ignore[attr-defined]
    still_admin = Membership.objects.filter(
        user=request.user,  # type: ignore[misc]  # staff_page: always signed in
        role=Membership.Role.ADMIN,
        trust__in=staff.admin_trusts,
    ).exists()
    return redirect("dashboard_team" if still_admin else "dashboard")


def _refused_or_invalid(
    request: HttpRequest, trust: Trust, problem: Exception, **where: Any
) -> HttpResponse:
    if isinstance(problem, MembershipRefused):
        return _forbidden(request)
    sections = _sections(request.staff.admin_trusts)  # type: ignore[attr-defined]
    section = next(s for s in sections if s.trust.pk == trust.pk)
    if "add_form" in where:
        section.add_form = where["add_form"]
        section.add_form.add_error("username", str(problem))
    else:
        section.row_errors[where["username"]] = str(problem)
    return _render_team(request, sections)


@staff_page
@require_POST
def add_member(request: HttpRequest, ods_code: str) -> HttpResponse:
    trust = _administered(request, ods_code)
    if isinstance(trust, HttpResponse):
        return trust
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        sections = _sections(request.staff.admin_trusts)  # type: ignore[attr-defined]
        next(s for s in sections if s.trust.pk == trust.pk).add_form = form
        return _render_team(request, sections)
    try:
        membership = membership_add(
            actor=request.user,
            trust=trust,
            username=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
        )
    except (MembershipRefused, MembershipInvalid) as problem:
        return _refused_or_invalid(request, trust, problem, add_form=form)
    return _done(
        request,
        _("%(username)s is now on the %(trust)s team as %(role)s.")
        % {
            "username": membership.user.get_username(),
            "trust": trust.name,
            "role": membership.get_role_display().lower(),
        },
    )


@staff_page
@require_POST
def change_role(request: HttpRequest, ods_code: str, username: str) -> HttpResponse:
    trust = _administered(request, ods_code)
    if isinstance(trust, HttpResponse):
        return trust
    form = RoleForm(request.POST)
    if not form.is_valid():
        sections = _sections(request.staff.admin_trusts)  # type: ignore[attr-defined]
        section = next(s for s in sections if s.trust.pk == trust.pk)
        section.row_errors[username] = str(form.errors["role"][0])
        return _render_team(request, sections)
    try:
        membership = membership_change_role(
            actor=request.user, trust=trust, username=username, role=form.cleaned_data["role"]
        )
    except (MembershipRefused, MembershipInvalid) as problem:
        return _refused_or_invalid(request, trust, problem, username=username)
    return _done(
        request,
        _("%(username)s is now %(role)s at %(trust)s.")
        % {
            "username": username,
            "role": membership.get_role_display().lower(),
            "trust": trust.name,
        },
    )


@staff_page
@require_http_methods(["GET", "POST"])
def remove_member(request: HttpRequest, ods_code: str, username: str) -> HttpResponse:
    """GET asks to confirm (naming who and where); POST removes."""
    trust = _administered(request, ods_code)
    if isinstance(trust, HttpResponse):
        return trust
    membership = (
        Membership.objects.filter(trust=trust, user__username=username)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise Http404
    if request.method == "POST":
        try:
            membership_remove(actor=request.user, trust=trust, username=username)
        except (MembershipRefused, MembershipInvalid) as problem:
            return _refused_or_invalid(request, trust, problem, username=username)
        return _done(
            request,
            _("%(username)s is no longer on the %(trust)s team.")
            % {"username": username, "trust": trust.name},
        )
    return render(
        request,
        "dashboard/team/remove.jinja",
        {
            "nav": "team",
            "page_title": _("Remove %(username)s from %(trust)s")
            % {"username": username, "trust": trust.name},
            "membership": membership,
            "trust": trust,
            "is_self": membership.user_id == request.user.pk,
        },
    )


urlpatterns = [
    path("team/", team, name="dashboard_team"),
    path("team/<str:ods_code>/add/", add_member, name="dashboard_team_add"),
    path(
        "team/<str:ods_code>/members/<str:username>/role/",
        change_role,
        name="dashboard_team_role",
    ),
    path(
        "team/<str:ods_code>/members/<str:username>/remove/",
        remove_member,
        name="dashboard_team_remove",
    ),
]
