"""The bench's data: a national picture of trusts and bookings, loaded with COPY.

``load(scale=N)`` writes about 120 trusts (the seven of the reference facts and more made
up in their manner), their sites, the demo's service catalogue, N/2 patients and N
bookings over the next 30 days, then one national strike: nurses (RCN), three days, 80%
of trusts taking part, the nursing derogations exempt. Bookings thin out further ahead
(clinics are not yet fully booked) and at weekends, which puts about 15% of them inside
the three-day window, as in a real national walkout.

Rows are built column by column from one seeded generator, so a scale always gives the
same data, and written with COPY in text format: a million bookings load in well under
a minute, where the ORM would take many.
"""

import datetime as dt
import io
import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, Patient
from appointments.nhs_number import nhs_check_digit
from appointments.references import ALPHABET, RANDOM_LENGTH, with_check_character
from demo import facts
from demo.builder import service_catalogue
from strikes.models import LONDON, Participation, Strike, StrikeStatus, Union
from trusts.models import Service, Site, StaffGroup, Trust

SEED = 20260118  # the first day of strike A: any fixed number would do
DAYS = 30
TRUSTS = 120
STRIKE_DAYS = 3
STRIKE_AFTER_DAYS = 7  # the walkout starts on the first Monday at least this far ahead
PARTICIPATING_SHARE = 0.8
STRIKE_TITLE = "Bench: national nurses' strike"
# Clinic slots, every 15 minutes from 08:00 to 17:45 (London time).
SLOTS = [dt.time(hour, minute) for hour in range(8, 18) for minute in (0, 15, 30, 45)]
KINDS = {"outpatient": 75, "day_case": 15, "inpatient": 10}
PRIORITIES = {"routine": 70, "soon": 15, "urgent": 8, "cancer": 7}
CHANNELS = {"sms": 55, "email": 15, "letter": 25, "phone": 5}
REGIONS = (
    "North East and Yorkshire",
    "North West",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
TRUST_KINDS = {"acute": 80, "mental_health": 10, "community": 10}
BATCH_ROWS = 20_000


@dataclass(frozen=True)
class Dataset:
    scale: int
    strike_id: int
    trusts: int
    participating_trusts: int
    sites: int
    patients: int
    appointments: int
    in_window: int
    first_day: dt.date

    def as_dict(self) -> dict:
        return {**self.__dict__, "first_day": self.first_day.isoformat()}


def load(*, scale: int, today: dt.date | None = None) -> Dataset:
    """Empty the bench database's bookings and load ``scale`` of them, with the strike."""
    today = today or timezone.localdate()
    first_day = today + dt.timedelta(days=1)
    rng = random.Random(SEED)
    _empty()
    with transaction.atomic():
        trusts = _trusts(rng)
        services = _services()
        patients = max(scale // 2, 1)
        pools = _patient_pools(trusts, patients)
        _copy_patients(rng, pools, patients)
        _copy_appointments(rng, scale, first_day, trusts, services, pools)
        strike = _strike(rng, first_day, trusts)
    _analyze()
    in_window = Appointment.objects.filter(
        starts_at__gte=strike.starts_at, starts_at__lt=strike.ends_at
    ).count()
    # Counted back from the database, not taken from what was asked for.
    return Dataset(
        scale=scale,
        strike_id=strike.pk,
        trusts=Trust.objects.count(),
        participating_trusts=strike.participations.filter(participating=True).count(),
        sites=Site.objects.count(),
        patients=Patient.objects.count(),
        appointments=Appointment.objects.count(),
        in_window=in_window,
        first_day=first_day,
    )


def national_strike() -> Strike:
    return Strike.objects.get(title=STRIKE_TITLE)


@dataclass(frozen=True)
class _Trust:
    pk: int
    ods_code: str
    kind: str
    site_ids: tuple[int, ...]
    weight: float


def _empty() -> None:
    """Every table the bench writes, emptied in one statement (the catalogue stays)."""
    tables = [
        "appointments_notice",
        "appointments_appointmentevent",
        "appointments_strikeimpact",
        "appointments_checkfailure",
        "appointments_checklockout",
        "appointments_appointment",
        "appointments_patient",
        "strikes_staffabsence",
        "strikes_participation",
        "strikes_strikestatuschange",
        "strikes_reportedfigure_covers",
        "strikes_reportedfigure",
        "strikes_strike_exempt_services",
        "strikes_strike_staff_groups",
        "strikes_strike_unions",
        "strikes_strike",
        "trusts_membership",
        "trusts_site",
        "trusts_trust",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def _trusts(rng: random.Random) -> list[_Trust]:
    rows: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = []
    for fact in facts.TRUSTS:
        sites = [(site.code, site.name, site.town) for site in fact.sites]
        rows.append((fact.ods_code, fact.name, fact.kind, fact.region, sites))
    taken = {row[0] for row in rows}
    letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
    codes = (f"R{a}{b}" for a in letters for b in letters + "0123456789")
    for code in codes:
        if len(rows) >= TRUSTS:
            break
        if code in taken:
            continue
        kind = rng.choices(list(TRUST_KINDS), weights=list(TRUST_KINDS.values()))[0]
        town = f"Town {code}"
        label = {"acute": "Hospitals", "mental_health": "Mental Health", "community": "Community"}
        sites = [
            (f"{code}{n:02d}", f"{town} site {n}", town)
            for n in range(1, (rng.choice((1, 2, 2, 3)) if kind == "acute" else 1) + 1)
        ]
        rows.append((code, f"{town} {label[kind]} NHS Trust", kind, rng.choice(REGIONS), sites))
    trusts: list[_Trust] = []
    for ods_code, name, kind, region, sites in rows:
        trust = Trust.objects.create(
            ods_code=ods_code, name=name, kind=kind, region=region, contact_line=facts.CONTACT
        )
        site_ids = tuple(
            Site.objects.create(trust=trust, code=code, name=site_name, town=town).pk
            for code, site_name, town in sites
        )
        # Acute trusts book most; a few are very large, as in England.
        weight = (3.0 if kind == "acute" else 1.0) * rng.lognormvariate(0, 0.5)
        trusts.append(_Trust(trust.pk, ods_code, kind, site_ids, weight))
    return trusts


def _services() -> dict[str, int]:
    return {code: service.pk for code, service in service_catalogue().items()}


def _patient_pools(trusts: Sequence[_Trust], patients: int) -> dict[int, range]:
    """Each trust's patients, a contiguous range of patient ids sized by its bookings."""
    total = sum(trust.weight for trust in trusts)
    pools: dict[int, range] = {}
    start = 1
    for index, trust in enumerate(trusts):
        size = max(1, round(patients * trust.weight / total))
        if index == len(trusts) - 1:
            size = max(1, patients - start + 1)
        pools[trust.pk] = range(start, start + size)
        start += size
    return pools


def _copy_patients(rng: random.Random, pools: dict[int, range], patients: int) -> None:
    now = timezone.now().isoformat()
    columns = (
        "id, nhs_number, given_name, family_name, date_of_birth, postcode, phone, email, "
        "address, preferred_channel, created_at, updated_at"
    )
    last_id = max(pool.stop for pool in pools.values()) - 1
    # Down from 999: the bench's imports count up from 800 (bench/scenarios/imports.py).
    numbers = nhs_numbers(last_id, start=999_000_000, step=-1)
    channels = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()), k=last_id)
    given = rng.choices(facts.GIVEN_NAMES, k=last_id)
    family = rng.choices(facts.FAMILY_NAMES, k=last_id)
    ages = [rng.randrange(0, 95 * 365) for _ in range(last_id)]
    born_before = dt.date.today()

    def lines() -> Iterable[str]:
        for index in range(last_id):
            patient_id = index + 1
            channel = channels[index]
            phone = f"07700 9{patient_id % 100000:05d}" if channel in ("sms", "phone") else ""
            email = f"patient{patient_id}@example.nhs.uk" if channel == "email" else ""
            address = json.dumps([f"{patient_id % 200 + 1} {rng.choice(facts.STREETS)}", "Town"])
            yield (
                f"{patient_id}\t{numbers[index]}\t{given[index]}\t{family[index]}\t"
                f"{born_before - dt.timedelta(days=ages[index])}\tNR1 1AA\t{phone}\t{email}\t"
                f"{address}\t{channel}\t{now}\t{now}\n"
            )

    _copy(Patient._meta.db_table, columns, lines())
    _follow_sequence(Patient._meta.db_table)


def nhs_numbers(count: int, *, start: int, step: int) -> list[str]:
    """``count`` valid NHS numbers (Modulus 11), the first nine digits counted from
    ``start`` by ``step`` (-1 or 1), skipping those that have no check digit."""
    numbers: list[str] = []
    candidate = start
    while len(numbers) < count:
        first_nine = f"{candidate:09d}"
        check = nhs_check_digit(first_nine)
        if check is not None:
            numbers.append(f"{first_nine}{check}")
        candidate += step
    return numbers


def _copy_appointments(
    rng: random.Random,
    scale: int,
    first_day: dt.date,
    trusts: Sequence[_Trust],
    services: dict[str, int],
    pools: dict[int, range],
) -> None:
    now = timezone.now().isoformat()
    columns = (
        "id, reference, external_id, patient_id, trust_id, site_id, service_id, kind, "
        "starts_at, priority, referral_received_on, status, created_at, updated_at"
    )
    days = [first_day + dt.timedelta(days=n) for n in range(DAYS)]
    day_weights = [
        (0.12 if day.weekday() >= 5 else 1.0) * (1 - 0.5 * n / DAYS) for n, day in enumerate(days)
    ]
    slots = {
        (n, s): dt.datetime.combine(day, slot, tzinfo=LONDON).astimezone(dt.UTC).isoformat()
        for n, day in enumerate(days)
        for s, slot in enumerate(SLOTS)
    }
    mixes = {
        kind: (
            [services[code] for code in mix],
            list(mix.values()),
        )
        for kind, mix in facts.SERVICE_MIX.items()
    }
    chosen_trusts = rng.choices(trusts, weights=[t.weight for t in trusts], k=scale)
    chosen_days = rng.choices(range(DAYS), weights=day_weights, k=scale)
    chosen_kinds = rng.choices(list(KINDS), weights=list(KINDS.values()), k=scale)
    chosen_priorities = rng.choices(list(PRIORITIES), weights=list(PRIORITIES.values()), k=scale)
    references = _references(rng, scale)

    def lines() -> Iterable[str]:
        for index in range(scale):
            trust = chosen_trusts[index]
            day = chosen_days[index]
            service_ids, service_weights = mixes[trust.kind]
            service_id = rng.choices(service_ids, weights=service_weights)[0]
            kind = chosen_kinds[index] if trust.kind == "acute" else "outpatient"
            pool = pools[trust.pk]
            referral = days[day] - dt.timedelta(days=rng.randrange(14, 540))
            yield (
                f"{index + 1}\t{references[index]}\tBENCH-{index + 1:08d}\t"
                f"{rng.randrange(pool.start, pool.stop)}\t{trust.pk}\t"
                f"{rng.choice(trust.site_ids)}\t{service_id}\t{kind}\t"
                f"{slots[day, rng.randrange(len(SLOTS))]}\t{chosen_priorities[index]}\t"
                f"{referral}\tbooked\t{now}\t{now}\n"
            )

    _copy(Appointment._meta.db_table, columns, lines())
    _follow_sequence(Appointment._meta.db_table)


def _references(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    references: list[str] = []
    while len(references) < count:
        reference = with_check_character("".join(rng.choices(ALPHABET, k=RANDOM_LENGTH)))
        if reference not in seen:
            seen.add(reference)
            references.append(reference)
    return references


def _strike(rng: random.Random, first_day: dt.date, trusts: Sequence[_Trust]) -> Strike:
    earliest = first_day + dt.timedelta(days=STRIKE_AFTER_DAYS)
    monday = earliest + dt.timedelta(days=-earliest.weekday() % 7)
    starts = dt.datetime.combine(monday, dt.time(7), tzinfo=LONDON)
    strike = Strike.objects.create(
        title=STRIKE_TITLE,
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=STRIKE_DAYS),
        status=StrikeStatus.CONFIRMED,
        notice_lead_days=14,
    )
    strike.unions.set(Union.objects.filter(code="RCN"))
    strike.staff_groups.set(StaffGroup.objects.filter(code="nurses"))
    strike.exempt_services.set(Service.objects.filter(code__in=facts.NURSING_DEROGATIONS))
    out = set(rng.sample(range(len(trusts)), round(len(trusts) * (1 - PARTICIPATING_SHARE))))
    Participation.objects.bulk_create(
        Participation(
            strike=strike,
            trust_id=trust.pk,
            participating=index not in out,
            ballot_turnout=rng.randrange(40, 70),
        )
        for index, trust in enumerate(trusts)
    )
    return strike


def _copy(table: str, columns: str, lines: Iterable[str]) -> None:
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for count, line in enumerate(lines, 1):
            buffer.write(line)
            if count % BATCH_ROWS == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _follow_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
        )


def _analyze() -> None:
    """What autovacuum would do soon after a load this size: fresh planner statistics
    and a visibility map, so the bench measures the plans production would get."""
    with connection.cursor() as cursor:
        for table in ("appointments_patient", "appointments_appointment", "strikes_participation"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
