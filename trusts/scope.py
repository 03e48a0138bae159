"""Trust scope: the one rule deciding which trusts' records a user may see or change.

Every queryset of patient data (patients, appointments, impacts, notices, events) has a
``for_user(user)`` that goes through here, so the rule lives in one place. Superusers are
national and see every trust; other users see the trusts they hold a membership at;
anonymous users and users with no membership see nothing.
"""

from collections.abc import Iterable
from typing import Any, Self

from django.db import models
from django.db.models import Exists, OuterRef, Q

from .models import Membership


def is_national(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def trust_ids_for(user: Any, *, roles: Iterable[str] | None = None) -> models.QuerySet | None:
    """The ids of the trusts ``user`` may use, as a subquery; ``None`` means every trust.

    ``roles`` narrows to memberships with one of those roles (e.g. who may act, not
    only view). Returned lazily so callers embed it in their own SQL statement.
    """
    if is_national(user):
        return None
    if not (user and user.is_authenticated and user.is_active):
        return Membership.objects.none().values("trust_id")
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return memberships.values("trust_id")


class TrustScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a trust reached through ``trust_path``."""

    trust_path: str = "trust"

    def for_user(self, user: Any, *, roles: Iterable[str] | None = None) -> Self:
        trust_ids = trust_ids_for(user, roles=roles)
        if trust_ids is None:
            return self
        return self.filter(**{f"{self.trust_path}__in": trust_ids})


def exists_in_trusts(relation: models.QuerySet, outer_field: str, user: Any) -> Q | Exists:
    """A condition true where ``relation`` has a row, visible to ``user``, for the outer row.

    Used for records that reach a trust only through a many-side (a patient is in scope
    when one of their appointments is), without joining and then de-duplicating.
    """
    trust_ids = trust_ids_for(user)
    scoped = relation if trust_ids is None else relation.filter(trust__in=trust_ids)
    return Exists(scoped.filter(**{outer_field: OuterRef("pk")}))


# Roles that may change a trust's records (decide, record staff out, edit participation);
# viewers only read.
ACTING_ROLES = (Membership.Role.OPERATIONS, Membership.Role.ADMIN)


def may_act_at(user: Any, trust_id: int, *, roles: Iterable[str] = ACTING_ROLES) -> bool:
    if is_national(user):
        return True
    if not (user and user.is_authenticated and user.is_active):
        return False
    return Membership.objects.filter(user=user, trust_id=trust_id, role__in=list(roles)).exists()
