"""/api/v1/trusts/, /sites/ and /services/: the catalogue, scoped and guarded by role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api import client_for, error_fields, query_count
from tests.factories import (
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    StaffGroupFactory,
    TrustFactory,
    UserFactory,
)
from trusts.models import Membership, Service, Site, Trust

pytestmark = pytest.mark.django_db

NEW_TRUST = {
    "ods_code": "RGT",
    "name": "Cambridge University Hospitals",
    "kind": "acute",
    "region": "East of England",
}


@pytest.fixture
def national():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def trusts():
    return TrustFactory(ods_code="RM1"), TrustFactory(ods_code="RCX")


def _member(trust: Trust, role: str = Membership.Role.OPERATIONS):
    return MembershipFactory(trust=trust, role=role).user


def test_a_national_user_lists_every_trust_in_ods_order(national, trusts):
    response = client_for(national).get("/api/v1/trusts/")
    assert response.status_code == 200
    body = response.json()
    assert [t["ods_code"] for t in body["results"]] == ["RCX", "RM1"]
    assert set(body["results"][0]) == {"ods_code", "name", "kind", "region", "contact_line"}
    assert body["next"] is None


def test_a_trust_user_sees_only_their_trust_and_another_is_404(trusts):
    ours, _ = trusts
    client = client_for(_member(ours, Membership.Role.VIEWER))
    assert [t["ods_code"] for t in client.get("/api/v1/trusts/").json()["results"]] == ["RM1"]
    assert client.get("/api/v1/trusts/RCX/").status_code == 404
    assert client.get("/api/v1/trusts/RM1/").json()["ods_code"] == "RM1"


def test_only_national_users_add_trusts(national, trusts):
    ours, _ = trusts
    refused = client_for(_member(ours, Membership.Role.ADMIN)).post(
        "/api/v1/trusts/", NEW_TRUST, format="json"
    )
    assert refused.status_code == 403
    assert not Trust.objects.filter(ods_code="RGT").exists()

    created = client_for(national).post("/api/v1/trusts/", NEW_TRUST, format="json")
    assert created.status_code == 201
    assert created.json()["ods_code"] == "RGT"
    assert Trust.objects.get(ods_code="RGT").name == NEW_TRUST["name"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ods_code": "rgt"}, "ods_code"),
        ({"ods_code": "RM1"}, "ods_code"),  # already taken
        ({"kind": "hospice"}, "kind"),
        ({"name": ""}, "name"),
        ({"region": None}, "region"),
    ],
)
def test_a_bad_trust_is_refused_naming_the_field(national, trusts, change, field):
    response = client_for(national).post("/api/v1/trusts/", {**NEW_TRUST, **change}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert Trust.objects.count() == 2


def test_trust_admins_change_their_trust_but_not_its_code_and_operations_staff_cannot(trusts):
    ours, _ = trusts
    admin = client_for(_member(ours, Membership.Role.ADMIN))
    changed = admin.patch(
        "/api/v1/trusts/RM1/",
        {"contact_line": "01603 286286", "ods_code": "RZZ"},
        format="json",
    )
    assert changed.status_code == 200
    ours.refresh_from_db()
    assert (ours.ods_code, ours.contact_line) == ("RM1", "01603 286286")

    operations = client_for(_member(ours, Membership.Role.OPERATIONS))
    assert operations.patch("/api/v1/trusts/RM1/", {"name": "X"}, format="json").status_code == 403
    assert admin.patch("/api/v1/trusts/RCX/", {"name": "X"}, format="json").status_code == 404
    ours.refresh_from_db()
    assert ours.name != "X"


def test_put_and_delete_are_not_offered(national, trusts):
    client = client_for(national)
    assert client.put("/api/v1/trusts/RM1/", NEW_TRUST, format="json").status_code == 405
    assert client.delete("/api/v1/trusts/RM1/").status_code == 405


def test_sites_are_scoped_and_added_by_the_trusts_admins(national, trusts):
    ours, theirs = trusts
    SiteFactory(trust=ours, code="RM101")
    SiteFactory(trust=theirs, code="RCX01")
    admin = client_for(_member(ours, Membership.Role.ADMIN))
    assert [s["code"] for s in admin.get("/api/v1/sites/").json()["results"]] == ["RM101"]
    assert admin.get("/api/v1/sites/?trust=RCX").json()["results"] == []

    site = {"code": "RM102", "name": "Cromer Hospital", "trust": "RM1", "town": "Cromer"}
    assert admin.post("/api/v1/sites/", site, format="json").status_code == 201
    assert Site.objects.get(code="RM102").trust == ours

    elsewhere = admin.post(
        "/api/v1/sites/", {**site, "code": "RCX02", "trust": "RCX"}, format="json"
    )
    assert elsewhere.status_code == 400
    assert error_fields(elsewhere) == ["trust"]
    assert "RCX" not in Site.objects.values_list("trust__ods_code", flat=True).filter(code="RCX02")

    viewer = client_for(_member(ours, Membership.Role.VIEWER))
    refused = viewer.post("/api/v1/sites/", {**site, "code": "RM103"}, format="json")
    assert refused.status_code == 403
    assert not Site.objects.filter(code="RM103").exists()


def test_the_service_catalogue_is_shared_and_grown_by_national_users(national, trusts):
    nurses = StaffGroupFactory(code="nurses")
    StaffGroupFactory(code="midwives")
    ServiceFactory(code="dialysis")
    viewer = client_for(_member(trusts[0], Membership.Role.VIEWER))
    assert [s["code"] for s in viewer.get("/api/v1/services/").json()["results"]] == ["dialysis"]

    service = {"code": "neonatal", "name": "Neonatal care", "staff_groups": ["nurses", "midwives"]}
    assert viewer.post("/api/v1/services/", service, format="json").status_code == 403

    created = client_for(national).post("/api/v1/services/", service, format="json")
    assert created.status_code == 201
    assert created.json() == {
        "code": "neonatal",
        "name": "Neonatal care",
        "staff_groups": ["midwives", "nurses"],
        "emergency": False,
        "treatment_function_code": "",
    }
    assert nurses in Service.objects.get(code="neonatal").staff_groups.all()

    unknown = client_for(national).post(
        "/api/v1/services/", {**service, "code": "nicu", "staff_groups": ["porters"]}, format="json"
    )
    assert unknown.status_code == 400
    assert error_fields(unknown) == ["staff_groups"]
    assert not Service.objects.filter(code="nicu").exists()


@pytest.mark.parametrize("path", ["/api/v1/trusts/", "/api/v1/sites/", "/api/v1/services/"])
def test_catalogue_lists_cost_the_same_queries_at_any_page_size(national, path):
    for _ in range(6):
        trust = TrustFactory()
        SiteFactory(trust=trust)
        service = ServiceFactory()
        service.staff_groups.add(StaffGroupFactory())
    client = client_for(national)
    counts = []
    for size in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, {"page_size": size}).status_code == 200
        counts.append(query_count(queries))
    assert counts[0] == counts[1]
