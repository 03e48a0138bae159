"""What every operation on a strike shares: finding the strike, and who may act on it.

The strike in the URL is its public id. Strikes themselves are visible to everyone
signed in (they are announced nationally); what is inside them is narrowed to the
user's trusts by the services and querysets each view calls.
"""

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.views import APIView

from strikes.models import Strike
from strikes.services.lifecycle import MANAGE_STRIKES
from trusts.scope import ACTING_ROLES, trust_ids_for

STRIKE_ID = OpenApiParameter(
    "id",
    OpenApiTypes.UUID,
    OpenApiParameter.PATH,
    description="The strike's id (a UUID, as GET /api/v1/strikes/ shows it).",
)
TAGS = ["strike operations"]


def strike_or_404(raw: Any) -> Strike:
    # The route takes any string so that a malformed id is the API's JSON 404, not
    # Django's page.
    try:
        public_id = uuid.UUID(str(raw))
    except ValueError:
        raise NotFound() from None
    strike = Strike.objects.filter(public_id=public_id).first()
    if strike is None:
        raise NotFound()
    return strike


class StrikeOperationView(APIView):
    """An operation on the strike named by the ``id`` in the URL."""

    def get_strike(self) -> Strike:
        if not hasattr(self, "_strike"):
            self._strike = strike_or_404(self.kwargs["id"])
        return self._strike


def require_acting_somewhere(user: Any, *, action: str, strike: Strike | None = None) -> None:
    """403 unless ``user`` is national or operations staff or a trust admin at some trust
    (with ``strike``, at one of the trusts taking part in it).

    The services check the role per trust again; this turns "you act nowhere" into a
    403 rather than the 400 a refused selection gets.
    """
    acting = trust_ids_for(user, roles=ACTING_ROLES)
    if acting is None:
        return
    if strike is not None:
        acting = strike.participations.filter(participating=True, trust_id__in=acting)
    if not acting.exists():
        where = "at any trust taking part in this strike" if strike is not None else "anywhere"
        raise PermissionDenied(
            f"Your role does not let you {action}: that needs operations staff or a trust "
            f"admin {where}."
        )


def require_strike_manager(user: Any) -> None:
    # The same permission the lifecycle services check, asked first so a refusal is 403.
    if not user.has_perm(MANAGE_STRIKES):
        raise PermissionDenied("Only national administrators can change a strike's status.")
