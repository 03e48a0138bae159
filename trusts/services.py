"""Every write to trusts, their sites and the service catalogue.

Trusts and services are the national catalogue: only national administrators add them.
A trust's own admins keep its details (name, contact line) and add its sites.
"""

from collections.abc import Iterable
from typing import Any

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
