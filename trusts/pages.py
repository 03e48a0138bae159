"""What every staff dashboard page shares: who is signed in, where, and in what role.

Dashboard views are plain Django views wrapped in ``staff_page``: sign-in required, never
cached (they show patients' bookings), and ``request.staff`` set to a ``StaffContext`` the
layout uses for its header and the views use to decide what to offer. Whether a user may
*do* something is still decided by the services (they refuse), so a page that offers a
button the user may not press is a bug in the page, never a hole.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from .models import Membership, Trust
from .scope import ACTING_ROLES, is_national


@dataclass(frozen=True)
class TrustRole:
    trust: Trust
    role: str

    @property
    def role_label(self) -> str:
        return Membership.Role(self.role).label

    @property
    def may_act(self) -> bool:
        return self.role in ACTING_ROLES


class StaffContext:
    """The signed-in user's trusts and roles, read once per request."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @property
    def national(self) -> bool:
        return is_national(self.user)

    @cached_property
    def roles(self) -> tuple[TrustRole, ...]:
        memberships = Membership.objects.filter(user=self.user).select_related("trust")
        return tuple(
            TrustRole(trust=m.trust, role=m.role) for m in memberships.order_by("trust__name")
        )

    def role_at(self, trust_id: int) -> str | None:
        if self.national:
            return Membership.Role.ADMIN
        return next((r.role for r in self.roles if r.trust.pk == trust_id), None)

    def may_act_at(self, trust_id: int) -> bool:
        return self.role_at(trust_id) in ACTING_ROLES

    @property
    def acting_trust_ids(self) -> frozenset[int] | None:
        """Trusts where the user may act; None: every trust (national)."""
        if self.national:
            return None
        return frozenset(r.trust.pk for r in self.roles if r.may_act)

    @property
    def may_act_anywhere(self) -> bool:
        return self.national or any(r.may_act for r in self.roles)

    @property
    def admin_trusts(self) -> tuple[Trust, ...]:
        """Trusts whose memberships the user manages (trust admins; national: none here,
        they use the admin site)."""
        return tuple(r.trust for r in self.roles if r.role == Membership.Role.ADMIN)

    @property
    def summary(self) -> str:
        """The header's line: "Operations, Norfolk and Norwich" or "National administrator"."""
        if self.national:
            return "National administrator"
        if not self.roles:
            return "No trust yet"
        return "; ".join(f"{r.role_label}, {r.trust.name}" for r in self.roles)


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in required, ``request.staff`` set, never cached, varies by cookie."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.staff = StaffContext(request.user)  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_vary_headers(response, ("Cookie", "HX-Request"))
        return response

    return wrapped


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request wants the fragment it targets, not the whole page; a history
    restore wants the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
