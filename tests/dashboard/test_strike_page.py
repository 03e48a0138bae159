"""One strike's page: facts, participation per trust, the assess dry run and run, status
moves and the call-off confirmation; who sees which button, and refusals as messages."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from appointments.models import Outcome, StrikeImpact
from strikes.models import Participation, StrikeStatus
from strikes.services import strike_confirm
from tests.factories import MembershipFactory, TrustFactory, UserFactory
from tests.strikes.desk import STARTS_AT, Desk, state, statuses
from trusts.models import Membership

from .test_strikes_overview import tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def national():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def viewer(desk):
    return MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user


def url(name: str, desk: Desk, *more: str) -> str:
    return reverse(name, args=[desk.strike.public_id, *more])


def get(client, user, address: str) -> str:
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def followed(response) -> str:
    assert response.status_code == 200
    assert len(response.redirect_chain) == 1, "post, then redirect back"
    return response.content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# What the page shows


def test_the_page_shows_the_strikes_facts(client, desk, viewer):
    desk.strike.notice_lead_days = 5
    desk.strike.save()
    page = text(get(client, viewer, url("dashboard_strike", desk)))
    assert desk.strike.title in page
    assert f"{STARTS_AT:%A} 8 July {STARTS_AT.year}, 7am to " in page
    assert "Exempt services Maternity" in page
    assert "Emergency care only No" in page
    assert "Go out from 5 days before the walkout" in page
    assert 'aria-current="page"' in get(client, viewer, url("dashboard_strike", desk))


def test_an_unknown_strike_is_404(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("dashboard_strike", args=[uuid.uuid4()])).status_code == 404


def test_other_trusts_show_whether_they_take_part_but_not_their_turnout(client, desk):
    Participation.objects.filter(trust=desk.trust).update(
        ballot_turnout=Decimal("58.40"), note="Nurses at both sites"
    )
    outsider = MembershipFactory(trust=TrustFactory(), role=Membership.Role.OPERATIONS).user
    html = get(client, outsider, url("dashboard_strike", desk))
    (rows,) = tables(html, "sd-participation")
    by_trust = {row[0]: row[1:] for row in rows}
    assert by_trust[desk.trust.name] == ["Yes", "Not shown", "", ""], "no edit link either"
    assert "58.4" not in html
    assert "Nurses at both sites" not in html
    # Their own trust is listed, unrecorded, for them to record.
    assert by_trust[outsider.memberships.get().trust.name][0] == "Not recorded"

    own = get(client, desk.ops, url("dashboard_strike", desk))
    assert "58.4%" in own
    assert "Nurses at both sites" in own


# Who sees which button, and a viewer's POSTs


def test_a_viewer_sees_no_action_buttons(client, desk, viewer):
    html = get(client, viewer, url("dashboard_strike", desk))
    assert url("dashboard_strike_assess", desk) not in html
    assert url("dashboard_strike_status", desk) not in html
    assert url("dashboard_strike_call_off", desk) not in html
    assert url("dashboard_strike_participation", desk, desk.trust.ods_code) not in html


def test_operations_staff_may_assess_and_record_participation_but_not_move_the_strike(client, desk):
    html = get(client, desk.ops, url("dashboard_strike", desk))
    assert url("dashboard_strike_assess", desk) in html
    assert url("dashboard_strike_participation", desk, desk.trust.ods_code) in html
    assert url("dashboard_strike_participation", desk, desk.other_trust.ods_code) not in html
    assert url("dashboard_strike_status", desk) not in html
    assert url("dashboard_strike_call_off", desk) not in html


def test_national_admins_get_the_moves_the_status_allows(client, desk, national):
    html = get(client, national, url("dashboard_strike", desk))
    assert 'value="confirm"' in html
    assert 'value="suspend"' in html
    assert 'value="resume"' not in html, "only a suspended strike resumes"
    assert 'value="complete"' not in html, "not before the walkout has ended"
    assert url("dashboard_strike_call_off", desk) in html


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("dashboard_strike_status", {"action": "confirm"}),
        ("dashboard_strike_call_off", {}),
        ("dashboard_strike_assess", {}),
    ],
)
def test_a_viewer_posting_an_action_gets_403_and_nothing_changes(client, desk, viewer, name, data):
    desk.book()
    desk.assess()
    before = state()
    client.force_login(viewer)
    assert client.post(url(name, desk), data).status_code == 403
    assert state() == before


def test_a_viewer_cannot_record_participation(client, desk, viewer):
    client.force_login(viewer)
    address = url("dashboard_strike_participation", desk, desk.trust.ods_code)
    assert client.get(address).status_code == 403
    assert client.post(address, {"participating": "no"}).status_code == 403
    assert Participation.objects.get(trust=desk.trust).participating is True


def test_operations_staff_cannot_move_the_strike_or_call_it_off(client, desk):
    before = state()
    client.force_login(desk.ops)
    assert (
        client.post(url("dashboard_strike_status", desk), {"action": "confirm"}).status_code == 403
    )
    assert client.get(url("dashboard_strike_call_off", desk)).status_code == 403
    assert client.post(url("dashboard_strike_call_off", desk)).status_code == 403
    assert state() == before


# Participation


def test_operations_staff_record_their_trusts_participation(client, desk):
    client.force_login(desk.ops)
    address = url("dashboard_strike_participation", desk, desk.trust.ods_code.lower())
    response = client.post(
        address,
        {"participating": "no", "ballot_turnout": "61.5", "note": "  Ballot below threshold "},
        follow=True,
    )
    page = text(followed(response))
    record = Participation.objects.get(strike=desk.strike, trust=desk.trust)
    assert (record.participating, record.ballot_turnout, record.note) == (
        False,
        Decimal("61.50"),
        "Ballot below threshold",
    )
    assert f"Recorded: {desk.trust.name} does not take part." in page
    assert "61.5%" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"participating": "yes", "ballot_turnout": "150"}, "Ballot turnout must be 100 or less"),
        ({"participating": "yes", "ballot_turnout": "lots"}, "must be a number"),
        ({"ballot_turnout": "50"}, "Select whether the trust takes part"),
    ],
)
def test_bad_participation_input_is_refused_with_a_message(client, desk, data, message):
    client.force_login(desk.ops)
    response = client.post(url("dashboard_strike_participation", desk, desk.trust.ods_code), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: " in html
    record = Participation.objects.get(strike=desk.strike, trust=desk.trust)
    assert (record.participating, record.ballot_turnout) == (True, None)


def test_another_trusts_participation_is_404(client, desk):
    client.force_login(desk.ops)
    address = url("dashboard_strike_participation", desk, desk.other_trust.ods_code)
    assert client.get(address).status_code == 404
    assert client.post(address, {"participating": "no"}).status_code == 404
    assert Participation.objects.get(trust=desk.other_trust).participating is True


# Assessing


def test_the_dry_run_counts_and_writes_nothing(client, desk, national):
    desk.book(), desk.book(), desk.book(service=desk.maternity)
    desk.book(site=desk.other_site)
    before = state()
    html = get(client, national, url("dashboard_strike_assess", desk))
    assert state() == before
    assert not StrikeImpact.objects.exists()
    (rows,) = tables(html, "sd-assess-table")
    by_trust = {row[0]: row[1:] for row in rows}
    # In the strike, exempt, at risk, postponed, going ahead: after, and "now" if different.
    assert by_trust[desk.trust.name] == ["3 now 0", "1 now 0", "2 now 0", "0", "0"]
    assert by_trust["Total"][0] == "4 now 0"
    assert "Bookings added 4" in text(html)


def test_a_trusts_dry_run_shows_its_own_counts_only(client, desk):
    desk.book(), desk.book(site=desk.other_site), desk.book(site=desk.other_site)
    html = get(client, desk.ops, url("dashboard_strike_assess", desk))
    (rows,) = tables(html, "sd-assess-table")
    assert [row[0] for row in rows] == [desk.trust.name]
    assert desk.other_trust.name not in html
    assert "Bookings added" not in html, "strike-wide changes are for national users"


def test_the_dry_run_matches_the_apis_for_the_same_user(client, desk):
    desk.book(), desk.book(service=desk.maternity), desk.book(site=desk.other_site)
    html = get(client, desk.ops, url("dashboard_strike_assess", desk))
    api = client.post(
        reverse("api-strike-assess", args=[desk.strike.public_id]),
        {"dry_run": True},
        content_type="application/json",
    ).json()
    (rows,) = tables(html, "sd-assess-table")
    in_strike, exempt, at_risk, *_ = (cell.split()[0] for cell in rows[0][1:])
    assert (int(in_strike), int(exempt), int(at_risk)) == (
        api["in_strike"],
        api["exempt"],
        api["at_risk"],
    )


def test_assessing_writes_impacts_and_says_what_it_found(client, desk):
    desk.book(), desk.book(service=desk.maternity), desk.book(site=desk.other_site)
    client.force_login(desk.ops)
    response = client.post(url("dashboard_strike_assess", desk), follow=True)
    page = text(followed(response))
    assert StrikeImpact.objects.filter(strike=desk.strike).count() == 3, "every trust's"
    assert "Assessment finished. 2 bookings at your trusts fall in the strike" in page
    assert "1 exempt, 1 at risk and undecided" in page


def test_assessing_with_htmx_sends_the_browser_to_the_strike_page(client, desk):
    desk.book()
    client.force_login(desk.ops)
    response = client.post(url("dashboard_strike_assess", desk), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("dashboard_strike", desk)
    assert StrikeImpact.objects.count() == 1


def test_a_called_off_strike_cannot_be_assessed_and_says_why(client, desk, national):
    desk.strike.status = StrikeStatus.CALLED_OFF
    desk.strike.save()
    html = get(client, national, url("dashboard_strike", desk))
    assert url("dashboard_strike_assess", desk) not in html
    assert "called off, so nothing is at risk" in html
    response = client.post(url("dashboard_strike_assess", desk), follow=True)
    assert "cannot be assessed" in followed(response)
    assert not StrikeImpact.objects.exists()


# Status moves and the call-off


def test_calling_off_states_the_count_then_reinstates(client, desk, national):
    first, second, exempt = desk.book(), desk.book(), desk.book(service=desk.maternity)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(first.reference, second.reference))
    assert statuses(first, second) == ["postponed", "postponed"]

    confirm = text(get(client, national, url("dashboard_strike_call_off", desk)))
    assert "2 bookings will be reinstated." in confirm
    assert desk.refresh().status == StrikeStatus.ANNOUNCED, "asking changes nothing"

    response = client.post(url("dashboard_strike_call_off", desk), follow=True)
    page = text(followed(response))
    assert desk.refresh().status == StrikeStatus.CALLED_OFF
    assert statuses(first, second, exempt) == ["booked", "booked", "booked"]
    assert "2 bookings were reinstated" in page
    assert url("dashboard_strike_call_off", desk) not in get(
        client, national, url("dashboard_strike", desk)
    ), "no call-off button on a called-off strike"


def test_calling_off_a_called_off_strike_is_a_message_not_an_error(client, desk, national):
    desk.strike.status = StrikeStatus.CALLED_OFF
    desk.strike.save()
    client.force_login(national)
    response = client.get(url("dashboard_strike_call_off", desk), follow=True)
    assert "cannot become called off" in followed(response)
    response = client.post(url("dashboard_strike_call_off", desk), follow=True)
    assert "cannot become called off" in followed(response)


def test_confirming_moves_the_strike(client, desk, national):
    client.force_login(national)
    response = client.post(url("dashboard_strike_status", desk), {"action": "confirm"}, follow=True)
    assert f"{desk.strike.title} is now confirmed." in followed(response)
    assert desk.refresh().status == StrikeStatus.CONFIRMED


def test_a_refused_move_shows_a_message_and_changes_nothing(client, desk, national):
    strike_confirm(strike=desk.strike, actor=national)
    before = state()
    client.force_login(national)
    response = client.post(url("dashboard_strike_status", desk), {"action": "resume"}, follow=True)
    html = followed(response)
    assert "There is a problem" in html
    assert "is not suspended, so it cannot be resumed" in html
    assert state() == before


def test_completing_before_the_end_is_refused_with_a_message(client, desk, national):
    client.force_login(national)
    response = client.post(
        url("dashboard_strike_status", desk), {"action": "complete"}, follow=True
    )
    assert "it can be marked completed once it has ended" in followed(response)
    assert desk.refresh().status == StrikeStatus.ANNOUNCED


def test_an_unknown_action_is_a_message(client, desk, national):
    client.force_login(national)
    response = client.post(url("dashboard_strike_status", desk), {"action": "explode"}, follow=True)
    assert "Choose one of the status buttons" in followed(response)
    assert desk.refresh().status == StrikeStatus.ANNOUNCED


def test_a_suspended_strike_offers_resume(client, desk, national):
    client.force_login(national)
    client.post(url("dashboard_strike_status", desk), {"action": "suspend"})
    html = get(client, national, url("dashboard_strike", desk))
    assert 'value="resume"' in html
    assert 'value="confirm"' not in html
    client.post(url("dashboard_strike_status", desk), {"action": "resume"})
    assert desk.refresh().status == StrikeStatus.ANNOUNCED
