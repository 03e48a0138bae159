"""What rows may name (trusts, sites, services) and where the importer may act, loaded
once per import so that checking a row costs dict lookups, not queries."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from trusts.models import Service, Site, Trust
from trusts.scope import ACTING_ROLES, trust_ids_for


@dataclass(frozen=True)
class Catalogue:
    """Everything a row may name, loaded once per import, and where the importer may act."""

    trusts: dict[str, int]  # ODS code -> id, every trust
    sites: dict[str, tuple[int, int]]  # site code -> (site id, trust id)
    services: dict[str, int]  # service code -> id
    acting: frozenset[int] | None  # trusts the importer may change; None: every trust
    visible: frozenset[int] | None  # trusts the importer may see
    today: dt.date

    @classmethod
    def load(cls, *, actor: Any, national: bool = False) -> "Catalogue":
        acting = visible = None
        if not national:
            acting = _ids(trust_ids_for(actor, roles=ACTING_ROLES))
            visible = _ids(trust_ids_for(actor))
        sites = Site.objects.values_list("code", "id", "trust_id")
        return cls(
            trusts=dict(Trust.objects.values_list("ods_code", "id")),
            sites={code: (pk, trust_id) for code, pk, trust_id in sites},
            services=dict(Service.objects.values_list("code", "id")),
            acting=acting,
            visible=visible,
            today=timezone.localdate(),
        )

    def may_act_somewhere(self) -> bool:
        return self.acting is None or bool(self.acting)


def _ids(trust_ids: Any) -> frozenset[int] | None:
    return None if trust_ids is None else frozenset(row["trust_id"] for row in trust_ids)
