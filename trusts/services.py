"""Every write to trusts, their sites and the service catalogue.

Trusts and services are the national catalogue: only national administrators add them.
A trust's own admins keep its details (name, contact line) and add its sites.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from config.errors import DomainError

from .models import Membership, Service, Site, StaffGroup, Trust
from .scope import is_national, may_act_at


class CatalogueRefused(DomainError):
    """Refused for who is asking, not for what they sent."""

    http_status = 403


TRUST_ADMIN = (Membership.Role.ADMIN,)
TRUST_FIELDS_ADMINS_KEEP = frozenset({"name", "kind", "region", "contact_line"})


def _require_national(actor: Any, what: str) -> None:
    if not is_national(actor):
        raise CatalogueRefused(f"Only national administrators can {what}.")


def trust_create(
    *, actor: Any, ods_code: str, name: str, kind: str, region: str, contact_line: str = ""
) -> Trust:
    _require_national(actor, "add a trust")
    trust = Trust(ods_code=ods_code, name=name, kind=kind, region=region, contact_line=contact_line)
    trust.full_clean()
    trust.save()
    return trust


def trust_update(*, trust: Trust, actor: Any, changes: dict[str, Any]) -> Trust:
    """Change a trust's details; its ODS code is its identity and never changes."""
    unknown = set(changes) - TRUST_FIELDS_ADMINS_KEEP
    if unknown:
        raise DomainError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    if not may_act_at(actor, trust.pk, roles=TRUST_ADMIN):
        raise CatalogueRefused(f"Only {trust.ods_code}'s trust admins can change its details.")
    with transaction.atomic():
        trust = Trust.objects.select_for_update().get(pk=trust.pk)
        for field, value in changes.items():
            setattr(trust, field, value)
        trust.full_clean()
        trust.save(update_fields=[*changes])
    return trust


def site_create(*, actor: Any, trust: Trust, code: str, name: str, town: str) -> Site:
    if not may_act_at(actor, trust.pk, roles=TRUST_ADMIN):
        raise CatalogueRefused(f"Only {trust.ods_code}'s trust admins can add its sites.")
    site = Site(trust=trust, code=code, name=name, town=town)
    site.full_clean()
    site.save()
    return site


def service_create(
    *,
    actor: Any,
    code: str,
    name: str,
    staff_groups: Iterable[StaffGroup] = (),
    emergency: bool = False,
    treatment_function_code: str = "",
) -> Service:
    _require_national(actor, "add a service to the catalogue")
    with transaction.atomic():
        service = Service(
            code=code,
            name=name,
            emergency=emergency,
            treatment_function_code=treatment_function_code,
        )
        service.full_clean()
        service.save()
        service.staff_groups.set(list(staff_groups))
    return service


# Memberships: who works at a trust, in which role. A trust's admins manage its own;
# national administrators use the admin site.


class MembershipRefused(DomainError):
    """The actor may not manage this trust's memberships."""

    http_status = 403


class MembershipInvalid(DomainError):
    """The change would break a rule (an unknown account, no admin left)."""

    http_status = 400


def _require_trust_admin(actor: Any, trust: Trust) -> None:
    # Trust admins only: a national administrator manages memberships in the admin site,
    # where the change is recorded in its log.
    if not Membership.objects.filter(
        user=actor, trust=trust, role=Membership.Role.ADMIN, user__is_active=True
    ).exists():
        raise MembershipRefused(f"Only {trust.name}'s trust admins can change who works there.")


def _account(username: str) -> Any:
    """The active account called ``username`` (exact, else the one spelt that way in any
    case). The message never says whether or where an account works."""
    typed = username.strip()
    accounts = get_user_model().objects.filter(is_active=True)
    account = accounts.filter(username=typed).first()
    if account is None and typed:
        matches = list(accounts.filter(username__iexact=typed)[:2])
        account = matches[0] if len(matches) == 1 else None
    if account is None:
        raise MembershipInvalid(
            f"There is no StrikeDesk account with the username '{typed}'. Check the spelling, "
            "or ask a national administrator to create the account first."
        )
    return account


def _check_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise MembershipInvalid("Choose viewer, operations or trust admin.")


def _membership(trust: Trust, username: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(trust=trust, user__username=username)
        .first()
    )
    if membership is None:
        raise MembershipInvalid(f"{username} is not a member of {trust.name}.")
    return membership


def _keep_an_admin(trust: Trust, leaving: Membership, what: str) -> None:
    # Locks every admin row of the trust, so two admins removing each other at the same
    # moment queue here and the second sees that only one is left.
    admins = list(
        Membership.objects.select_for_update()
        .filter(trust=trust, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )
    if leaving.role == Membership.Role.ADMIN and admins == [leaving.pk]:
        raise MembershipInvalid(
            f"{leaving.user.get_username()} is {trust.name}'s only trust admin, so you cannot "
            f"{what}. Make someone else a trust admin first."
        )


def membership_add(*, actor: Any, trust: Trust, username: str, role: str) -> Membership:
    """Give an existing account a role at ``trust``."""
    with transaction.atomic():
        _require_trust_admin(actor, trust)
        _check_role(role)
        account = _account(username)
        membership, created = Membership.objects.get_or_create(
            user=account, trust=trust, defaults={"role": role}
        )
        if not created:
            raise MembershipInvalid(
                f"{account.get_username()} is already a member of {trust.name}. "
                "Change their role in the list instead."
            )
    return membership


def membership_change_role(*, actor: Any, trust: Trust, username: str, role: str) -> Membership:
    with transaction.atomic():
        _require_trust_admin(actor, trust)
        _check_role(role)
        membership = _membership(trust, username)
        if role != Membership.Role.ADMIN:
            _keep_an_admin(trust, membership, "change their role")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, actor: Any, trust: Trust, username: str) -> None:
    """Take an account off ``trust`` (the account itself stays: history names it)."""
    with transaction.atomic():
        _require_trust_admin(actor, trust)
        membership = _membership(trust, username)
        _keep_an_admin(trust, membership, "remove them")
        membership.delete()
