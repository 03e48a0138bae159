"""The strike's staff-out page: a form per trust and strike day, saved through
staff_absence_upsert; bad figures refused with nothing written; totals; scoping."""

import datetime as dt
import re

import pytest
from django.test import Client

from strikes.models import StaffAbsence
from tests.factories import MembershipFactory, StaffAbsenceFactory, StaffGroupFactory, UserFactory
from tests.strikes.desk import Desk
from trusts.models import Membership, StaffGroup


@pytest.fixture
def desk(db) -> Desk:
    desk = Desk()
    desk.physios = StaffGroupFactory(code=StaffGroup.PHYSIOTHERAPISTS, name="Physiotherapists")
    desk.strike.staff_groups.add(desk.physios)
    return desk


@pytest.fixture
def national(db):
    return UserFactory(is_superuser=True, is_staff=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def role_at(trust, role):
    return MembershipFactory(trust=trust, role=role).user


def url(desk: Desk) -> str:
    return f"/staff/strikes/{desk.strike.public_id}/staff-out/"


def days(desk: Desk):
    return desk.strike.local_days()


def save(client: Client, desk: Desk, trust=None, day=None, **counts):
    data = {
        "trust": (trust or desk.trust).ods_code,
        "date": (day or days(desk)[0]).isoformat(),
    }
    data |= {f"count-{code}": value for code, value in counts.items()}
    return client.post(url(desk), data)


def recorded() -> set[tuple]:
    return set(StaffAbsence.objects.values_list("trust__ods_code", "date", "staff_group", "count"))


def total(html: str, attribute: str, key: str) -> str:
    match = re.search(rf'{attribute}="{key}">(.*?)</t[rd]>', html, re.S)
    assert match, f"no {attribute}={key}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


class TestSaving:
    def test_a_days_figures_are_saved_and_the_totals_follow(self, desk):
        client = signed_in(desk.ops)
        first, second = days(desk)
        response = save(client, desk, nurses="12", physiotherapists="3")
        assert response.status_code == 302
        assert response["Location"] == url(desk) + f"#trust-{desk.trust.ods_code}"
        save(client, desk, day=second, nurses="7")
        assert recorded() == {
            (desk.trust.ods_code, first, "nurses", 12),
            (desk.trust.ods_code, first, "physiotherapists", 3),
            (desk.trust.ods_code, second, "nurses", 7),
        }
        html = client.get(url(desk)).text
        assert "Saved for" in html
        assert "7 nurses" in html
        assert re.search(r'data-total="overall">22<', html)
        assert total(html, "data-total-day", first.isoformat()) == "15"
        assert total(html, "data-total-day", second.isoformat()) == "7"
        group_row = re.search(r'data-total-group="nurses">(.*?)</tr>', html, re.S).group(1)
        assert re.findall(r">\s*(?:<strong>)?(\d+)(?:</strong>)?\s*</td>", group_row) == [
            "12",
            "7",
            "19",
        ]
        trust_row = re.search(
            rf'data-total-trust="{desk.trust.ods_code}">(.*?)</tr>', html, re.S
        ).group(1)
        assert trust_row.count("22") == 1
        # The form shows what is recorded.
        nurses_box = f'id="count-{desk.trust.ods_code}-{first.isoformat()}-nurses"'
        assert re.search(rf'{nurses_box}[^>]*value="12"', html)

    def test_saving_again_replaces(self, desk):
        client = signed_in(desk.ops)
        save(client, desk, nurses="12")
        save(client, desk, nurses="15")
        assert recorded() == {(desk.trust.ods_code, days(desk)[0], "nurses", 15)}

    def test_a_blank_box_is_left_unrecorded(self, desk):
        save(signed_in(desk.ops), desk, nurses="4", physiotherapists="")
        assert recorded() == {(desk.trust.ods_code, days(desk)[0], "nurses", 4)}

    def test_with_htmx_the_same_post_answers(self, desk):
        response = signed_in(desk.ops).post(
            url(desk),
            {"trust": desk.trust.ods_code, "date": days(desk)[0].isoformat(), "count-nurses": "2"},
            HTTP_HX_REQUEST="true",
            follow=True,
        )
        assert response.status_code == 200
        assert 'id="sd-staff-out"' in response.text
        assert recorded() == {(desk.trust.ods_code, days(desk)[0], "nurses", 2)}


class TestBadInput:
    @pytest.mark.parametrize(
        ("nurses", "message"),
        [
            ("-3", "The number of nurses out cannot be less than 0"),
            ("twelve", "Enter the number of nurses out as a whole number, like 12"),
            ("1.5", "Enter the number of nurses out as a whole number, like 12"),
            ("250000", "The number of nurses out must be 20,000 or fewer"),
        ],
    )
    def test_refused_with_the_error_beside_the_box_and_nothing_written(self, desk, nurses, message):
        StaffAbsenceFactory(
            strike=desk.strike,
            trust=desk.trust,
            date=days(desk)[0],
            staff_group=desk.physios,
            count=1,
        )
        before = recorded()
        response = save(signed_in(desk.ops), desk, nurses=nurses, physiotherapists="9")
        assert response.status_code == 200
        html = response.text
        assert "nhsuk-error-summary" in html
        assert html.count(message) == 2, "in the summary and beside the box"
        box = f"count-{desk.trust.ods_code}-{days(desk)[0].isoformat()}-nurses"
        assert f'href="#{box}"' in html
        assert f'value="{nurses}"' in html, "what was typed is shown back"
        assert recorded() == before, "the valid figure beside it is not saved either"

    def test_a_recorded_figure_cannot_be_blanked(self, desk):
        client = signed_in(desk.ops)
        save(client, desk, nurses="5")
        html = save(client, desk, nurses="").text
        assert "a figure recorded before can be changed but not removed" in html
        assert recorded() == {(desk.trust.ods_code, days(desk)[0], "nurses", 5)}

    def test_all_blank_is_refused(self, desk):
        html = save(signed_in(desk.ops), desk, nurses="", physiotherapists="").text
        assert "Enter the number of staff out for at least one staff group" in html
        assert not StaffAbsence.objects.exists()

    @pytest.mark.parametrize("day", ["after", "not-a-date"])
    def test_a_day_outside_the_strike_is_refused(self, desk, day):
        after = days(desk)[-1] + dt.timedelta(days=1)
        data = {
            "trust": desk.trust.ods_code,
            "date": after.isoformat() if day == "after" else day,
            "count-nurses": "3",
        }
        response = signed_in(desk.ops).post(url(desk), data, follow=True)
        assert "That is not a day of this strike" in response.text
        assert not StaffAbsence.objects.exists()


class TestWhoSeesWhat:
    def test_viewers_see_the_figures_without_forms_and_may_not_post(self, desk):
        StaffAbsenceFactory(
            strike=desk.strike,
            trust=desk.trust,
            date=days(desk)[0],
            staff_group=desk.nurses,
            count=8,
        )
        viewer = signed_in(role_at(desk.trust, Membership.Role.VIEWER))
        html = viewer.get(url(desk)).text
        assert 'name="count-' not in html
        assert "Not recorded" in html
        assert re.search(r'data-total="overall">8<', html)
        assert "Only operations staff and trust admins" in html
        response = save(viewer, desk, nurses="99")
        assert response.status_code == 403
        assert recorded() == {(desk.trust.ods_code, days(desk)[0], "nurses", 8)}

    def test_another_trusts_figures_are_neither_shown_nor_writable(self, desk):
        StaffAbsenceFactory(
            strike=desk.strike,
            trust=desk.other_trust,
            date=days(desk)[0],
            staff_group=desk.nurses,
            count=4321,
        )
        client = signed_in(desk.ops)
        html = client.get(url(desk)).text
        assert "4,321" not in html
        assert "4321" not in html
        assert desk.other_trust.name not in html
        assert save(client, desk, trust=desk.other_trust, nurses="1").status_code == 404
        assert recorded() == {(desk.other_trust.ods_code, days(desk)[0], "nurses", 4321)}

    def test_national_users_see_every_trust_and_the_overall_total(self, desk, national):
        for trust, count in ((desk.trust, 10), (desk.other_trust, 5)):
            StaffAbsenceFactory(
                strike=desk.strike,
                trust=trust,
                date=days(desk)[1],
                staff_group=desk.nurses,
                count=count,
            )
        html = signed_in(national).get(url(desk)).text
        assert re.search(r'data-total="overall">15<', html)
        assert "All trusts" in html
        assert html.count('name="trust"') == 2 * len(days(desk))

    def test_anonymous_users_are_sent_to_sign_in(self, desk, client):
        assert client.get(url(desk))["Location"].startswith("/staff/sign-in/")

    def test_unknown_strike_is_404(self, desk):
        response = signed_in(desk.ops).get(
            "/staff/strikes/00000000-0000-4000-8000-000000000000/staff-out/"
        )
        assert response.status_code == 404


class TestEmptyStates:
    def test_nothing_recorded_yet(self, desk):
        html = signed_in(desk.ops).get(url(desk)).text
        assert "No staff out has been recorded yet" in html
        assert html.count('class="sd-day-form"') == len(days(desk))
        assert 'aria-current="page"' in html
        assert "/staff-out/" in html

    def test_a_strike_that_calls_out_no_staff_group(self, desk):
        desk.strike.staff_groups.clear()
        html = signed_in(desk.ops).get(url(desk)).text
        assert "does not call out any staff group" in html
        assert 'name="count-' not in html

    def test_a_user_whose_trusts_take_no_part(self, desk):
        outsider = role_at(MembershipFactory().trust, Membership.Role.OPERATIONS)
        html = signed_in(outsider).get(url(desk)).text
        assert "None of your trusts takes part in this strike" in html
