"""The scoping matrix: a token of one trust against every endpoint, aimed at another
trust's records, gets 404s, refusals or empty lists, never the other trust's data.

"Never data" is checked two ways. Every answer is searched for trust A's identifiers
(booking references, PAS ids, NHS numbers, patients' names, site codes). And each
request naming A's records is sent again naming records that do not exist at all: the
two answers must be the same, so a token cannot even learn that A's records exist.
Finally trust A's records must be exactly as they were.

The table of requests must cover every operation in the OpenAPI schema, so a new
endpoint cannot ship without being walked here.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from appointments.models import Appointment, Notice, StrikeImpact
from appointments.notices import notices_generate
from strikes.models import Participation, StaffAbsence
from tests.api import client_for
from tests.factories import MembershipFactory, StaffAbsenceFactory
from tests.strikes.desk import BEFORE, Desk
from trusts.models import Membership, Site, Trust

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Target:
    """The identifiers a request is aimed at: trust A's real ones, or made-up ones."""

    reference: str
    external_id: str
    ods_code: str
    site: str
    nhs_number: str


# Well-formed identifiers that match nothing anywhere.
NOWHERE = Target(
    reference="000000000000",  # valid Crockford characters; no booking has it
    external_id="PAS-NOWHERE",
    ods_code="RZZ",
    site="RZZ01",
    nhs_number="9999999999",
)


@dataclass(frozen=True)
class Call:
    operation: str  # the schema's operationId, or "fhir-..." for FHIR routes
    method: str
    path: Callable[[Target, str], str]  # (target, strike id) -> path
    body: Callable[[Target], object] | None = None


def _future() -> str:
    return (timezone.now() + dt.timedelta(days=30)).isoformat()


def _import_row(t: Target) -> list[dict]:
    return [
        {
            "external_id": t.external_id,
            "trust": t.ods_code,
            "site": t.site,
            "service": "clinic",
            "kind": "outpatient",
            "starts_at": _future(),
            "patient": {
                "nhs_number": "9434765919",
                "given_name": "Rae",
                "family_name": "Intruder",
                "date_of_birth": "1980-01-01",
            },
        }
    ]


CALLS = [
    Call("api_v1_appointments_list", "get", lambda t, s: "/api/v1/appointments/"),
    Call(
        "api_v1_appointments_list", "get", lambda t, s: f"/api/v1/appointments/?trust={t.ods_code}"
    ),
    Call("api_v1_appointments_list", "get", lambda t, s: f"/api/v1/appointments/?site={t.site}"),
    Call(
        "api_v1_appointments_retrieve", "get", lambda t, s: f"/api/v1/appointments/{t.reference}/"
    ),
    Call(
        "api_v1_appointments_partial_update",
        "patch",
        lambda t, s: f"/api/v1/appointments/{t.reference}/",
        lambda t: {"priority": "urgent", "status": "cancelled"},
    ),
    Call(
        "api_v1_appointments_reschedule_create",
        "post",
        lambda t, s: f"/api/v1/appointments/{t.reference}/reschedule/",
        lambda t: {"starts_at": _future()},
    ),
    Call("appointments_import", "post", lambda t, s: "/api/v1/appointments/import/", _import_row),
    Call("api_v1_notices_list", "get", lambda t, s: "/api/v1/notices/"),
    Call("api_v1_notices_list", "get", lambda t, s: f"/api/v1/notices/?trust={t.ods_code}"),
    Call("api_v1_notices_list", "get", lambda t, s: f"/api/v1/notices/?reference={t.reference}"),
    Call("api_v1_services_list", "get", lambda t, s: "/api/v1/services/"),
    Call(
        "api_v1_services_create",
        "post",
        lambda t, s: "/api/v1/services/",
        lambda t: {"code": "intruder", "name": "Intruder"},
    ),
    Call("api_v1_sites_list", "get", lambda t, s: "/api/v1/sites/"),
    Call("api_v1_sites_list", "get", lambda t, s: f"/api/v1/sites/?trust={t.ods_code}"),
    Call(
        "api_v1_sites_create",
        "post",
        lambda t, s: "/api/v1/sites/",
        lambda t: {"code": t.ods_code + "77", "name": "Annexe", "trust": t.ods_code, "town": "X"},
    ),
    Call("api_v1_strikes_list", "get", lambda t, s: "/api/v1/strikes/"),
    Call(
        "api_v1_strikes_create",
        "post",
        lambda t, s: "/api/v1/strikes/",
        lambda t: {
            "title": "Mine",
            "unions": ["RCN"],
            "staff_groups": ["nurses"],
            "starts_at": _future(),
            "ends_at": _future(),
        },
    ),
    Call("api_v1_strikes_retrieve", "get", lambda t, s: f"/api/v1/strikes/{s}/"),
    Call(
        "api_v1_strikes_partial_update",
        "patch",
        lambda t, s: f"/api/v1/strikes/{s}/",
        lambda t: {"status": "called_off"},
    ),
    Call(
        "strike_assess",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/assess/",
        lambda t: {"dry_run": True},
    ),
    Call("strike_call_off_preview", "get", lambda t, s: f"/api/v1/strikes/{s}/call-off/"),
    Call("strike_call_off", "post", lambda t, s: f"/api/v1/strikes/{s}/call-off/", lambda t: {}),
    Call(
        "strike_decide",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/decisions/",
        lambda t: {"outcome": "going_ahead", "references": [t.reference]},
    ),
    Call(
        "strike_decide",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/decisions/",
        lambda t: {"outcome": "going_ahead", "where": {"trust": t.ods_code}},
    ),
    Call("strike_impacts_list", "get", lambda t, s: f"/api/v1/strikes/{s}/impacts/"),
    Call(
        "strike_impacts_list",
        "get",
        lambda t, s: f"/api/v1/strikes/{s}/impacts/?trust={t.ods_code}",
    ),
    Call(
        "strike_notices_generate",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/notices/generate/",
        lambda t: {"early": True},
    ),
    Call("strike_notices_summary", "get", lambda t, s: f"/api/v1/strikes/{s}/notices/summary/"),
    Call(
        "api_v1_strikes_participations_list",
        "get",
        lambda t, s: f"/api/v1/strikes/{s}/participations/",
    ),
    Call(
        "api_v1_strikes_participations_create",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/participations/",
        lambda t: {"trust": t.ods_code, "participating": False},
    ),
    Call("strike_report", "get", lambda t, s: f"/api/v1/strikes/{s}/report/"),
    Call("strike_report", "get", lambda t, s: f"/api/v1/strikes/{s}/report/?format=csv"),
    Call("strikes_compare", "get", lambda t, s: "/api/v1/strike-comparison/"),
    Call("strikes_compare", "get", lambda t, s: "/api/v1/strike-comparison/?format=csv"),
    Call(
        "api_v1_strikes_staff_absences_list",
        "get",
        lambda t, s: f"/api/v1/strikes/{s}/staff-absences/",
    ),
    Call(
        "api_v1_strikes_staff_absences_list",
        "get",
        lambda t, s: f"/api/v1/strikes/{s}/staff-absences/?trust={t.ods_code}",
    ),
    Call(
        "api_v1_strikes_staff_absences_create",
        "post",
        lambda t, s: f"/api/v1/strikes/{s}/staff-absences/",
        lambda t: {"trust": t.ods_code, "date": "STRIKE_DAY", "staff_group": "nurses", "count": 9},
    ),
    Call("api_v1_trusts_list", "get", lambda t, s: "/api/v1/trusts/"),
    Call(
        "api_v1_trusts_create",
        "post",
        lambda t, s: "/api/v1/trusts/",
        lambda t: {"ods_code": "RYY", "name": "Mine", "kind": "acute", "region": "X"},
    ),
    Call("api_v1_trusts_retrieve", "get", lambda t, s: f"/api/v1/trusts/{t.ods_code}/"),
    Call(
        "api_v1_trusts_partial_update",
        "patch",
        lambda t, s: f"/api/v1/trusts/{t.ods_code}/",
        lambda t: {"contact_line": "0800 000 000"},
    ),
    Call("fhir-read", "get", lambda t, s: f"/fhir/r4/Appointment/{t.reference}"),
    Call("fhir-search", "get", lambda t, s: "/fhir/r4/Appointment"),
    Call("fhir-search", "get", lambda t, s: f"/fhir/r4/Appointment?identifier={t.reference}"),
    Call("fhir-search", "get", lambda t, s: f"/fhir/r4/Appointment?identifier={t.external_id}"),
]


class World:
    """Trust A with bookings postponed, notices owed, staff out; an operations user at B."""

    def __init__(self) -> None:
        self.desk = desk = Desk()
        self.bookings = [desk.book(external_id=f"PAS-A-{n}") for n in range(3)]
        desk.book(site=desk.other_site, external_id="PAS-B-1")
        desk.assess()
        desk.decide("postponed", trust=desk.trust.ods_code)
        notices_generate(now=BEFORE, strike=desk.strike, actor=None, early=True)
        StaffAbsenceFactory(
            strike=desk.strike,
            trust=desk.trust,
            date=desk.strike.local_days()[0],
            staff_group=desk.nurses,
            count=40,
        )
        self.intruder = MembershipFactory(
            trust=desk.other_trust, role=Membership.Role.OPERATIONS
        ).user
        first = self.bookings[0]
        self.target = Target(
            reference=first.reference,
            external_id=first.external_id,
            ods_code=desk.trust.ods_code,
            site=desk.site.code,
            nhs_number=first.patient.nhs_number,
        )

    def secrets(self) -> list[str]:
        """Strings that identify trust A's patients and bookings."""
        found: list[str] = []
        for booking in self.bookings:
            patient = booking.patient
            found += [booking.reference, booking.external_id, patient.nhs_number]
            found += [patient.family_name]
        found += [self.desk.site.code, self.desk.second_site.code]
        return found

    def trust_a_state(self) -> tuple:
        trust = self.desk.trust
        return (
            sorted(
                Appointment.objects.filter(trust=trust).values_list(
                    "pk", "status", "starts_at", "priority", "site_id"
                )
            ),
            sorted(
                StrikeImpact.objects.filter(appointment__trust=trust).values_list(
                    "pk", "outcome", "decided_at"
                )
            ),
            Notice.objects.filter(appointment__trust=trust).count(),
            sorted(Participation.objects.filter(trust=trust).values_list("participating", "note")),
            sorted(StaffAbsence.objects.filter(trust=trust).values_list("date", "count")),
            Trust.objects.filter(pk=trust.pk).values_list("name", "contact_line").get(),
            Site.objects.filter(trust=trust).count(),
            str(self.desk.refresh().status),
        )


def _send(client: APIClient, call: Call, target: Target, world: World):
    path = call.path(target, str(world.desk.strike.public_id))
    body = call.body(target) if call.body else None
    if isinstance(body, dict) and body.get("date") == "STRIKE_DAY":
        body = {**body, "date": world.desk.strike.local_days()[0].isoformat()}
    send = getattr(client, call.method)
    return send(path, body, format="json") if body is not None else send(path)


def _text(response) -> str:
    # A FHIR Bundle is stamped with the moment it was made; nothing else varies by time.
    return re.sub(r'"timestamp":"[^"]*"', '"timestamp":"..."', response.content.decode())


def _documented_operations() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def test_the_matrix_covers_every_documented_operation():
    walked = {call.operation for call in CALLS if not call.operation.startswith("fhir-")}
    missing = _documented_operations() - walked
    assert not missing, f"add these operations to the scoping matrix: {sorted(missing)}"


@pytest.mark.parametrize("call", CALLS, ids=lambda c: f"{c.method.upper()} {c.operation}")
def test_another_trusts_token_gets_nothing_of_trust_a(call: Call) -> None:
    world = World()
    before = world.trust_a_state()
    client = client_for(world.intruder)

    aimed = _send(client, call, world.target, world)
    assert aimed.status_code < 500, _text(aimed)
    body = _text(aimed)
    leaked = [secret for secret in world.secrets() if secret in body]
    # Trust A's own identifiers may come back only as an echo of what was sent, and the
    # comparison below proves an echo says no more than it would about a made-up one.
    echoed = {world.target.reference, world.target.external_id, world.target.site}
    assert not [s for s in leaked if s not in echoed], f"{call.operation} leaked {leaked}"
    if 200 <= aimed.status_code < 300 and "ods_code" not in call.path(world.target, ""):
        # A's ODS code in a successful answer would be one of A's rows.
        sent = call.path(world.target, "") + str(call.body(world.target) if call.body else "")
        if world.target.ods_code not in sent:
            assert world.target.ods_code not in body, body

    nowhere = _send(client, call, NOWHERE, world)
    assert aimed.status_code == nowhere.status_code, (
        f"{call.operation}: A's record got {aimed.status_code}, a made-up one {nowhere.status_code}"
    )
    as_if_nowhere = body
    for real, fake in zip(
        (
            world.target.reference,
            world.target.external_id,
            world.target.ods_code,
            world.target.site,
        ),
        (NOWHERE.reference, NOWHERE.external_id, NOWHERE.ods_code, NOWHERE.site),
        strict=True,
    ):
        as_if_nowhere = as_if_nowhere.replace(real, fake)
    assert as_if_nowhere == _text(nowhere), f"{call.operation} told A's record apart"

    assert world.trust_a_state() == before
