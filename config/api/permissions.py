"""Who may do what through the API, on top of the trust scope in ``trusts/scope.py``.

Reading needs a signed-in user (token or session); what they read is narrowed by the
scope. Changing a trust's records needs an acting role there (operations or trust
admin); the shared catalogue (trusts, services) and strikes themselves are national.
A record outside the user's trusts is a 404, never a 403, so a token cannot probe
which records exist elsewhere.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission

from trusts.models import Trust
from trusts.scope import ACTING_ROLES, is_national, may_act_at, trust_ids_for


class NationalWritesOnly(BasePermission):
    """Anyone signed in reads; only national users (superusers) write."""

    message = "Only national administrators can change this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_national(request.user)


UNKNOWN_TRUST = "No trust {value} among yours."


def trusts_for(user: Any) -> QuerySet[Trust]:
    trust_ids = trust_ids_for(user)
    trusts = Trust.objects.all()
    return trusts if trust_ids is None else trusts.filter(id__in=trust_ids)


def trust_in_scope(user: Any, ods_code: str, *, field: str | None = None) -> Trust:
    """The trust with ``ods_code`` if ``user`` may see it; otherwise not found.

    With ``field``, a missing trust is a 400 on that input field rather than a 404.
    """
    trust = trusts_for(user).filter(ods_code=ods_code).first()
    if trust is None:
        if field is not None:
            raise ValidationError({field: [UNKNOWN_TRUST.format(value=ods_code)]})
        raise NotFound()
    return trust


def require_acting_role(
    user: Any, trust: Trust, *, roles: Iterable[str] = ACTING_ROLES, action: str = "change this"
) -> None:
    if not may_act_at(user, trust.pk, roles=roles):
        raise PermissionDenied(
            f"You can see {trust.ods_code} but your role there does not let you {action}."
        )
