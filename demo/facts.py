"""The facts the demo is built from, copied from the strike reports it reproduces.

Sources: local news reports of the RCN nurses' strikes of January and February 2023
(Norfolk), the BMA junior doctors' strike of March 2023 (Norfolk) and the BMA junior
doctors' dispute of late 2015 (Hampshire). Figures quoted here are theirs; everything
else the demo needs (patients, times, the share of bookings that went ahead) is
synthetic and generated around them.
"""

import dataclasses
from dataclasses import dataclass, field

EAST = "East of England"
SOUTH_EAST = "South East"
CONTACT = "the appointments team, on the number in your appointment letter"


@dataclass(frozen=True)
class SiteFact:
    code: str
    name: str
    town: str


@dataclass(frozen=True)
class TrustFact:
    ods_code: str
    name: str
    kind: str
    region: str
    sites: tuple[SiteFact, ...]


TRUSTS = (
    TrustFact(
        "RM1",
        "Norfolk and Norwich University Hospitals NHS Foundation Trust",
        "acute",
        EAST,
        (SiteFact("RM102", "Norfolk and Norwich University Hospital", "Norwich"),),
    ),
    TrustFact(
        "RCX",
        "The Queen Elizabeth Hospital King's Lynn NHS Foundation Trust",
        "acute",
        EAST,
        (SiteFact("RCX70", "Queen Elizabeth Hospital", "King's Lynn"),),
    ),
    TrustFact(
        "RGP",
        "James Paget University Hospitals NHS Foundation Trust",
        "acute",
        EAST,
        (SiteFact("RGP75", "James Paget University Hospital", "Gorleston"),),
    ),
    TrustFact(
        "RMY",
        "Norfolk and Suffolk NHS Foundation Trust",
        "mental_health",
        EAST,
        (SiteFact("RMY01", "Norfolk and Suffolk mental health services", "Norwich"),),
    ),
    TrustFact(
        "RY3",
        "Norfolk Community Health and Care NHS Trust",
        "community",
        EAST,
        (SiteFact("RY301", "Norfolk respite and community services", "Norwich"),),
    ),
    TrustFact(
        "RHM",
        "University Hospital Southampton NHS Foundation Trust",
        "acute",
        SOUTH_EAST,
        (
            SiteFact("RHM01", "Southampton General Hospital", "Southampton"),
            SiteFact("RHM02", "Princess Anne Hospital", "Southampton"),
        ),
    ),
    TrustFact(
        "RN5",
        "Hampshire Hospitals NHS Foundation Trust",
        "acute",
        SOUTH_EAST,
        (SiteFact("RN541", "Royal Hampshire County Hospital", "Winchester"),),
    ),
)
NORFOLK_AND_WAVENEY = ("RM1", "RCX", "RGP", "RMY", "RY3")


@dataclass(frozen=True)
class ServiceFact:
    code: str
    name: str
    treatment_function_code: str
    staff_groups: tuple[str, ...]
    emergency: bool = False


DOCTORS_AND_NURSES = ("nurses", "resident_doctors", "consultants")
SERVICES = (
    ServiceFact("emergency", "Emergency department (A&E)", "180", DOCTORS_AND_NURSES, True),
    ServiceFact("critical-care", "Adult critical care", "192", DOCTORS_AND_NURSES, True),
    ServiceFact("chemotherapy", "Chemotherapy", "370", DOCTORS_AND_NURSES),
    ServiceFact("dialysis", "Renal dialysis", "361", ("nurses", "consultants")),
    ServiceFact("neonatal", "Neonatal care", "422", ("nurses", "resident_doctors", "consultants")),
    ServiceFact("maternity", "Maternity", "501", ("midwives", "resident_doctors", "consultants")),
    ServiceFact("endoscopy", "Endoscopy", "301", DOCTORS_AND_NURSES),
    ServiceFact("trauma-orthopaedics", "Trauma and orthopaedics", "110", DOCTORS_AND_NURSES),
    ServiceFact("general-surgery", "General surgery", "100", DOCTORS_AND_NURSES),
    ServiceFact("ophthalmology", "Ophthalmology", "130", DOCTORS_AND_NURSES),
    ServiceFact("cardiology", "Cardiology", "320", DOCTORS_AND_NURSES),
    ServiceFact("dermatology", "Dermatology", "330", DOCTORS_AND_NURSES),
    ServiceFact("pre-op-assessment", "Health checks and pre-operative assessment", "", ("nurses",)),
    ServiceFact("physiotherapy", "Physiotherapy", "650", ("physiotherapists",)),
    ServiceFact("rehabilitation", "Rehabilitation", "314", ("physiotherapists", "nurses")),
    ServiceFact(
        "mental-health",
        "Adult mental health",
        "710",
        ("nurses", "resident_doctors", "consultants", "other"),
    ),
    ServiceFact("community-nursing", "Community nursing", "", ("nurses",)),
    ServiceFact("respite-care", "Respite care", "", ("nurses", "other")),
)
# The critical services both nurses' strikes agreed to keep going (derogations).
NURSING_DEROGATIONS = ("emergency", "critical-care", "chemotherapy", "dialysis", "neonatal")

# Which services a trust of each kind books, in rough proportion.
SERVICE_MIX = {
    "acute": {
        "endoscopy": 8,
        "trauma-orthopaedics": 12,
        "general-surgery": 10,
        "ophthalmology": 12,
        "cardiology": 10,
        "dermatology": 8,
        "pre-op-assessment": 8,
        "physiotherapy": 8,
        "rehabilitation": 5,
        "chemotherapy": 5,
        "dialysis": 4,
        "neonatal": 2,
        "maternity": 5,
        "emergency": 2,
        "critical-care": 1,
    },
    "mental_health": {"mental-health": 1},
    "community": {
        "community-nursing": 5,
        "respite-care": 2,
        "rehabilitation": 2,
        "physiotherapy": 1,
    },
}


@dataclass(frozen=True)
class Outcome:
    """What a report said happened at one trust in one strike."""

    postponed_outpatient: int
    postponed_inpatient: int = 0
    planned: int = 0  # bookings in the window; the report's "% of planned" is against it
    still_waiting: int = 0  # of the postponed, how many had no new date when reported
    staff_out_by_day: tuple[int, ...] = ()  # the strike's staff group, per strike day
    outpatient_only: bool = False


@dataclass(frozen=True)
class StrikeFact:
    key: str
    title: str
    unions: tuple[str, ...]
    staff_groups: tuple[str, ...]
    exempt_services: tuple[str, ...]
    emergency_care_only: bool
    participating: dict[str, str]  # ODS code -> note
    not_participating: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    upcoming_bookings: dict[str, int] = field(default_factory=dict)  # ODS code -> bookings
    reported: tuple[tuple[str | None, str, str, float, str], ...] = ()  # trust/area, metric...
    # Days before the walkout that patients start being told (the strike's notice window).
    notice_lead_days: int = 3
    # For an upcoming strike: (trust, service) whose routine bookings the trust has
    # already decided to postpone when the demo is loaded.
    postponed_ahead: tuple[tuple[str, str], ...] = ()


# The trusts of each area a newspaper reports a headline figure for.
AREA_TRUSTS = {"Norfolk and Waveney": ("RM1", "RCX", "RGP", "RMY", "RY3")}

EDP = "Eastern Daily Press"
DAILY_ECHO = "Southern Daily Echo"

STRIKE_A = StrikeFact(
    key="A",
    title="RCN nurses' strike (January)",
    unions=("RCN",),
    staff_groups=("nurses",),
    exempt_services=NURSING_DEROGATIONS,
    emergency_care_only=False,
    participating={"RM1": "", "RMY": "", "RY3": ""},
    outcomes={
        # 877 cancelled, about 13% of planned outpatient bookings; about 400 still
        # waiting for a new date a month later.
        "RM1": Outcome(
            877, planned=6746, still_waiting=400, staff_out_by_day=(302, 272), outpatient_only=True
        ),
        "RMY": Outcome(207, planned=1380, staff_out_by_day=(117, 125), outpatient_only=True),
        # The community trust's 162 were all rescheduled.
        "RY3": Outcome(
            162, planned=1250, still_waiting=0, staff_out_by_day=(137, 121), outpatient_only=True
        ),
    },
    reported=(
        ("RM1", "postponed_outpatient", EDP, 877, "Appointments cancelled at the N&N."),
        ("RM1", "postponed_pct", EDP, 13, "About 13% of planned bookings."),
        (
            "RM1",
            "awaiting_new_date",
            EDP,
            400,
            "About 400 still waiting for a new date a month later.",
        ),
        ("RMY", "postponed_total", EDP, 207, "Appointments cancelled."),
        ("RY3", "rescheduled", EDP, 162, "Appointments rescheduled."),
    ),
)

STRIKE_B = StrikeFact(
    key="B",
    title="RCN nurses' and CSP physiotherapists' strike",
    unions=("RCN", "CSP"),
    staff_groups=("nurses", "physiotherapists"),
    exempt_services=NURSING_DEROGATIONS,
    emergency_care_only=False,
    participating={"RM1": "", "RMY": "", "RY3": ""},
    not_participating={
        "RCX": "Ballot did not reach the required majority and turnout.",
        "RGP": "Ballot did not reach the required majority and turnout.",
    },
    # About 5,000 appointments at the N&N over the two days; the others are sized to
    # the trusts and are synthetic.
    upcoming_bookings={"RM1": 5000, "RMY": 600, "RY3": 500, "RCX": 1500, "RGP": 1200},
    # The N&N tells patients by the end of the week before; the demo opens the window
    # early enough that notices go out whichever day it is loaded.
    notice_lead_days=14,
    # "Most likely cancelled: non-emergency operations, health checks, minor procedures
    # such as endoscopies." The operations and health checks are decided already; the
    # endoscopies and the rest stay at risk for staff to decide on the dashboard.
    postponed_ahead=(
        ("RM1", "general-surgery"),
        ("RM1", "pre-op-assessment"),
    ),
)

STRIKE_C = StrikeFact(
    key="C",
    title="BMA junior doctors' strike (March)",
    unions=("BMA",),
    staff_groups=("resident_doctors",),
    exempt_services=(),
    emergency_care_only=True,
    participating={"RM1": "", "RCX": "", "RGP": ""},
    outcomes={
        "RM1": Outcome(2976, 475, planned=9150, still_waiting=240),
        "RCX": Outcome(882, 50, planned=2730, still_waiting=70),
        "RGP": Outcome(262, 81, planned=1740, still_waiting=25),
    },
    reported=(
        ("RM1", "postponed_outpatient", EDP, 2976, "Outpatient appointments rescheduled."),
        ("RM1", "postponed_inpatient", EDP, 475, "Inpatient appointments rescheduled."),
        ("RCX", "postponed_outpatient", EDP, 882, "Outpatient appointments rescheduled."),
        ("RCX", "postponed_inpatient", EDP, 50, "Inpatient appointments rescheduled."),
        ("RGP", "postponed_outpatient", EDP, 262, "Outpatient appointments rescheduled."),
        ("RGP", "postponed_inpatient", EDP, 81, "Inpatient appointments rescheduled."),
        # The headline total disagrees with its own parts (they add up to 4,726).
        ("Norfolk and Waveney", "postponed_total", EDP, 4736, "Headline total for the area."),
    ),
)

HAMPSHIRE_NOTE = "Patients attend as normal unless contacted by the hospital."
# The second and third walkouts are alike: full walkouts with emergency services exempt.
_HAMPSHIRE_FULL_WALKOUT = StrikeFact(
    key="D2",
    title="BMA junior doctors' strike, Hampshire: second walkout",
    unions=("BMA",),
    staff_groups=("resident_doctors",),
    exempt_services=("emergency", "critical-care", "maternity", "neonatal"),
    emergency_care_only=False,
    participating={"RHM": HAMPSHIRE_NOTE, "RN5": HAMPSHIRE_NOTE},
    upcoming_bookings={"RHM": 500, "RN5": 250},
)
STRIKE_D_WALKOUTS = (
    StrikeFact(
        key="D1",
        title="BMA junior doctors' strike, Hampshire: first walkout (emergency care only)",
        unions=("BMA",),
        staff_groups=("resident_doctors",),
        exempt_services=(),
        emergency_care_only=True,
        participating={
            "RHM": "Between 400 and 500 doctors expected out. Some outpatient clinics and "
            "non-urgent theatre lists cancelled to redeploy clinical staff.",
            "RN5": "May reschedule planned appointments and procedures. " + HAMPSHIRE_NOTE,
        },
        upcoming_bookings={"RHM": 1200, "RN5": 600},
    ),
    _HAMPSHIRE_FULL_WALKOUT,
    dataclasses.replace(
        _HAMPSHIRE_FULL_WALKOUT,
        key="D3",
        title="BMA junior doctors' strike, Hampshire: third walkout",
    ),
)

GIVEN_NAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Freya",
    "Florence",
    "Grace",
    "Margaret",
    "Joan",
    "Sheila",
    "Patricia",
    "Susan",
    "Linda",
    "Janet",
    "Noah",
    "Oliver",
    "George",
    "Arthur",
    "Leo",
    "Harry",
    "Oscar",
    "Jack",
    "Charlie",
    "Thomas",
    "John",
    "David",
    "Peter",
    "Michael",
    "Robert",
    "Brian",
    "Keith",
    "Graham",
    "Colin",
    "Priya",
    "Aisha",
    "Fatima",
    "Mohammed",
    "Jakub",
    "Zofia",
    "Andrei",
    "Sean",
    "Aoife",
    "Rhys",
    "Ewan",
]
FAMILY_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Wright",
    "Robinson",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Harrison",
    "Moore",
    "Cooper",
    "Ward",
    "Howard",
    "Kowalski",
    "Nowak",
    "Khan",
    "Ahmed",
    "Begum",
    "Chapman",
    "Gedge",
    "Thurston",
    "Bullard",
    "Colman",
    "Coe",
    "Gurney",
    "Buxton",
    "Nelson",
    "Spalding",
    "Cator",
    "Harbord",
]
STREETS = [
    "Unthank Road",
    "Earlham Road",
    "Newmarket Road",
    "Colney Lane",
    "Dereham Road",
    "Gaywood Road",
    "Tennyson Avenue",
    "Lowestoft Road",
    "Church Lane",
    "Station Road",
    "Mill Lane",
    "The Green",
    "Shirley Road",
    "Hill Lane",
    "Romsey Road",
    "Stockbridge Road",
    "Andover Road",
]
# Postcode districts around each trust, for synthetic addresses.
POSTCODE_DISTRICTS = {
    "RM1": ("NR1", "NR2", "NR3", "NR4", "NR5", "NR6", "NR7", "NR14", "NR18"),
    "RCX": ("PE30", "PE31", "PE33", "PE34", "PE38"),
    "RGP": ("NR31", "NR32", "NR33", "NR30"),
    "RMY": ("NR1", "NR2", "NR6", "NR8", "IP1", "IP4"),
    "RY3": ("NR1", "NR3", "NR9", "NR10", "NR20", "NR28"),
    "RHM": ("SO14", "SO15", "SO16", "SO17", "SO18", "SO19", "SO40"),
    "RN5": ("SO22", "SO23", "SO21", "SO24", "SP10", "RG24"),
}
TOWNS = {
    "RM1": "Norwich",
    "RCX": "King's Lynn",
    "RGP": "Great Yarmouth",
    "RMY": "Norwich",
    "RY3": "Norwich",
    "RHM": "Southampton",
    "RN5": "Winchester",
}
