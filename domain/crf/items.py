"""The CRF items of every form, in CRF order, as data (see CRF.md).

Choices marked *assumed* in CRF.md (leg pain, BOTHER, GLOBAL_TRANSITION wording, baseline-only
items, adherence and weekly questions) are made here, in one place.
"""

from __future__ import annotations

from domain.crf.eligibility import AGE_RANGE, LBP_DURATION_RANGE, LBP_NOW_MIN
from domain.crf.spec import Code, ItemSpec, code, codes, date_item, decimal, integer, text, yes_no
from domain.protocol import LAST_REPORT_WEEK, SITES, EosStatus

# Every date is "not in the future": an EDC records what has happened, so a future date is a
# typing error (checked against the server's date passed in).
NOT_IN_FUTURE_NOTE = "not in the future"

SEX_CODES: tuple[tuple[Code, str], ...] = (("F", "Female"), ("M", "Male"))
SITE_CODES: tuple[tuple[Code, str], ...] = tuple((site, site.capitalize()) for site in SITES)
MODIC_TYPE_CODES: tuple[tuple[Code, str], ...] = (
    ("1", "Type 1"),
    ("2", "Type 2"),
    ("3", "Type 3"),
    ("1/2", "Mixed type 1/2"),
    ("2/3", "Mixed type 2/3"),
)
MODIC_LEVEL_CODES: tuple[tuple[Code, str], ...] = tuple(
    (level, level) for level in ("L1/L2", "L2/L3", "L3/L4", "L4/L5", "L5/S1")
)
BOTHER_CODES: tuple[tuple[Code, str], ...] = (
    (1, "Not at all"),
    (2, "Slightly"),
    (3, "Moderately"),
    (4, "Very much"),
    (5, "Extremely"),
)
GLOBAL_TRANSITION_CODES: tuple[tuple[Code, str], ...] = (
    (1, "Much better"),
    (2, "Better"),
    (3, "Slightly better"),
    (4, "Unchanged"),
    (5, "Slightly worse"),
    (6, "Worse"),
    (7, "Much worse"),
)
PHYSICAL_LOAD_CODES: tuple[tuple[Code, str], ...] = (
    (1, "Sedentary work"),
    (2, "Light physical work"),
    (3, "Moderate physical work"),
    (4, "Heavy physical work"),
)
WORK_STATUS_CODES: tuple[tuple[Code, str], ...] = (
    ("working", "Working"),
    ("sick-listed", "Sick-listed"),
    ("unemployed", "Unemployed"),
    ("retired", "Retired"),
    ("student", "Student"),
)
EOS_STATUS_CODES: tuple[tuple[Code, str], ...] = tuple(
    (status.value, status.value.capitalize()) for status in EosStatus
)
PAIN_MEDICATION_CODES: tuple[tuple[Code, str], ...] = (
    ("none", "None"),
    ("paracetamol", "Paracetamol"),
    ("nsaid", "NSAID"),
    ("opioid", "Opioid"),
    ("other", "Other"),
)
AE_SEVERITY_CODES: tuple[tuple[Code, str], ...] = (
    ("mild", "Mild"),
    ("moderate", "Moderate"),
    ("severe", "Severe"),
)
AE_SAE_CRITERIA_CODES: tuple[tuple[Code, str], ...] = (
    ("death", "Death"),
    ("life_threatening", "Life-threatening"),
    ("hospitalisation", "Hospitalisation or its prolongation"),
    ("disability", "Persistent or significant disability"),
    ("congenital_anomaly", "Congenital anomaly"),
    ("important_medical_event", "Important medical event"),
)
AE_RELATED_CODES: tuple[tuple[Code, str], ...] = (
    ("not_related", "Not related"),
    ("unlikely", "Unlikely"),
    ("possible", "Possible"),
    ("probable", "Probable"),
    ("definite", "Definite"),
)
AE_ACTION_CODES: tuple[tuple[Code, str], ...] = (
    ("none", "None"),
    ("paused", "Intervention paused"),
    ("stopped", "Intervention stopped"),
)
AE_OUTCOME_CODES: tuple[tuple[Code, str], ...] = (
    ("recovered", "Recovered"),
    ("recovering", "Recovering"),
    ("not_recovered", "Not recovered"),
    ("recovered_with_sequelae", "Recovered with sequelae"),
    ("fatal", "Fatal"),
    ("unknown", "Unknown"),
)
DISC_REASON_CODES: tuple[tuple[Code, str], ...] = (
    ("adverse_event", "Adverse event"),
    ("lack_of_effect", "Lack of effect"),
    ("participant_wish", "Participant's wish"),
    ("other", "Other"),
)
BELT_USE_CODES: tuple[tuple[Code, str], ...] = (
    ("never", "Never"),
    ("sometimes", "Sometimes"),
    ("daily", "Daily"),
)
# EQ-5D-3L: dimension item -> (label, level descriptions for levels 1, 2, 3).
# EQ-5D-3L: dimension item -> (label, level descriptions for levels 1, 2, 3). The levels are
# the product's own neutral words; the instrument's validated (licensed) wording comes from the
# site's wording file (domain.crf.instruments) and is shown beside them.
_EQ5D_LEVELS = ("Level 1: no problems", "Level 2: some problems", "Level 3: extreme problems")
EQ5D_DIMENSIONS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "EQ5D_MO": ("EQ-5D mobility", _EQ5D_LEVELS),
    "EQ5D_SC": ("EQ-5D self-care", _EQ5D_LEVELS),
    "EQ5D_UA": ("EQ-5D usual activities", _EQ5D_LEVELS),
    "EQ5D_PD": ("EQ-5D pain/discomfort", _EQ5D_LEVELS),
    "EQ5D_AD": ("EQ-5D anxiety/depression", _EQ5D_LEVELS),
}
OUTCOME_FORMS = frozenset({"baseline", "week10", "month12"})
RMDQ_ITEMS = tuple(f"RMDQ_{number:02d}" for number in range(1, 24))
# Short neutral topics of our own for the 23 Roland-Morris items (never the statements, which
# come from the site's wording file). *assumed*: the Danish version keeps the original order
# of the first 23 topics; a site whose version differs corrects them here, in one place.
RMDQ_TOPICS = (
    "stays at home",
    "changes position often",
    "walks more slowly",
    "does fewer jobs at home",
    "uses a handrail on stairs",
    "lies down more often",
    "holds on to get out of a chair",
    "asks others to do things",
    "dresses more slowly",
    "stands only for short periods",
    "avoids bending or kneeling",
    "finds rising from a chair hard",
    "back or leg painful most of the time",
    "finds turning in bed hard",
    "appetite affected",
    "trouble putting on socks",
    "walks only short distances",
    "sleeps less well",
    "dresses with help",
    "sits down most of the day",
    "avoids heavy jobs",
    "more irritable",
    "climbs stairs more slowly",
)
LBP_ITEMS = ("LBP_NOW", "LBP_WORST_2W", "LBP_TYPICAL_2W")

SCREENING = (
    date_item("SCR_DATE", "Screening date", note=NOT_IN_FUTURE_NOTE),
    code("SITE", "Site", SITE_CODES),
    integer("AGE", "Age", 0, 120, note=f"years; eligible {AGE_RANGE[0]}..{AGE_RANGE[1]}"),
    code("SEX", "Sex", SEX_CODES),
    integer(
        "LBP_DURATION_MONTHS",
        "Duration of low back pain (months)",
        0,
        600,
        note=f"eligible {LBP_DURATION_RANGE[0]}..{LBP_DURATION_RANGE[1]}",
    ),
    integer("LBP_NOW_SCR", "LBP now at screening", 0, 10, note=f"eligible >= {LBP_NOW_MIN}"),
    yes_no("SPEAKS_DANISH", "Speaks Danish", note="eligible: Y"),
    yes_no("WILLING", "Willing to participate", note="eligible: Y"),
    yes_no(
        "EXCL_DISORDER",
        "Other physical or mental disorder preventing participation",
        note="eligible: N",
    ),
    yes_no("EXCL_PREGNANT", "Pregnant", allow_na=True, note="NA only for SEX = M; eligible: not Y"),
    yes_no("EXCL_SURGERY_REFERRAL", "Referred for back surgery", note="eligible: N"),
)

HERNIATION_CODES: tuple[tuple[Code, str], ...] = (
    ("none", "None"),
    ("bulge", "Bulge"),
    ("protrusion", "Protrusion"),
    ("extrusion", "Extrusion"),
)

MODIC_PRESENT_Y = "MODIC_PRESENT = Y"


def level_suffix(level: Code) -> str:
    """The item-name suffix of a spinal level: "L4/L5" -> "L4L5"."""
    return str(level).replace("/", "")


def level_item(item: str, level: Code) -> str:
    """The stored item of one field of a level's row: LEVEL_MODIC_TYPE at L4/L5 is
    LEVEL_MODIC_TYPE_L4L5. The rows are kept flat in the MRI form (one value per item, so
    entry, correction, history and queries work as for every item) and exported as the long
    table `mri_level` keyed by LEVEL (CRF.md)."""
    return f"{item}_{level_suffix(level)}"


def level_listed(level: Code) -> str:
    return f"MODIC_LEVELS includes {level}"


# One row per level in MODIC_LEVELS (CRF.md, the MRI form's repeating group): the row's fields.
LEVEL_ROW_FIELDS = ("LEVEL_MODIC_TYPE", "LEVEL_MODIC_LARGE", "LEVEL_PFIRRMANN", "LEVEL_HERNIATION")


def _level_row(level: Code) -> tuple[ItemSpec, ...]:
    when = level_listed(level)
    only_listed = f"only when {when}"
    return (
        code(
            level_item("LEVEL_MODIC_TYPE", level),
            f"{level}: Modic type",
            MODIC_TYPE_CODES,
            when=when,
        ),
        yes_no(
            level_item("LEVEL_MODIC_LARGE", level),
            f"{level}: change extends over at least 25% of the vertebral body height",
            when=when,
        ),
        integer(
            level_item("LEVEL_PFIRRMANN", level),
            f"{level}: disc degeneration (Pfirrmann grade)",
            1,
            5,
            optional=True,
            note=only_listed,
        ),
        code(
            level_item("LEVEL_HERNIATION", level),
            f"{level}: disc herniation",
            HERNIATION_CODES,
            optional=True,
            note=only_listed,
        ),
    )


MRI_LEVEL_ROWS: dict[Code, tuple[ItemSpec, ...]] = {
    level: _level_row(level) for level, _ in MODIC_LEVEL_CODES
}
MRI = (
    date_item("MRI_DATE", "MRI date", note="on or after SCR_DATE; not in the future"),
    yes_no("MODIC_PRESENT", "Modic changes present", note="included only if Y"),
    code("MODIC_TYPE", "Modic type (dominant change)", MODIC_TYPE_CODES, when=MODIC_PRESENT_Y),
    codes("MODIC_LEVELS", "Levels with Modic changes", MODIC_LEVEL_CODES, when=MODIC_PRESENT_Y),
    yes_no(
        "MODIC_LARGE",
        "Modic change extends over at least 25% of the vertebral body height",
        optional=True,
        note="only when MODIC_PRESENT = Y",
    ),
    *(spec for row in MRI_LEVEL_ROWS.values() for spec in row),
)

CONSENT = (
    date_item("CONSENT_DATE", "Consent date", note="on or after SCR_DATE; not in the future"),
    text("CONSENT_VERSION", "Consent form version"),
    yes_no("CONSENT_OBTAINED", "Written informed consent obtained", note="must be Y"),
)

_OUTCOMES_BEFORE_GLOBAL = (
    date_item("ASSESS_DATE", "Assessment date", note="within the visit window (soft check)"),
    integer("LBP_NOW", "LBP now", 0, 10, note="box scale, current low back pain (primary)"),
    integer("LBP_WORST_2W", "LBP worst in the last 2 weeks", 0, 10),
    integer("LBP_TYPICAL_2W", "LBP typical in the last 2 weeks", 0, 10),
    integer("LEG_NOW", "Leg pain now", 0, 10),
    integer("LEG_WORST_2W", "Leg pain worst in the last 2 weeks", 0, 10),
    integer("LEG_TYPICAL_2W", "Leg pain typical in the last 2 weeks", 0, 10),
    *(
        yes_no(name, f"Roland-Morris item {number}: {topic}", note="Danish 23-item version")
        for number, (name, topic) in enumerate(zip(RMDQ_ITEMS, RMDQ_TOPICS, strict=True), 1)
    ),
    *(
        code(name, label, tuple(zip((1, 2, 3), levels, strict=True)), note="EQ-5D-3L")
        for name, (label, levels) in EQ5D_DIMENSIONS.items()
    ),
    integer("EQ5D_VAS", "EQ VAS, own health today", 0, 100, optional=True),
    code("BOTHER", "Bothersomeness of back pain in the last 2 weeks", BOTHER_CODES),
)
GLOBAL_TRANSITION = code(
    "GLOBAL_TRANSITION",
    "Back problem compared with before treatment",
    GLOBAL_TRANSITION_CODES,
    note="follow-up only",
)
WORKING_OR_SICK_LISTED = "WORK_STATUS is working or sick-listed"
WORKING_OR_SICK_LISTED_CODES = ("working", "sick-listed")
_BASELINE_ONLY = (
    yes_no("SMOKER", "Smoker"),
    code("PHYSICAL_LOAD", "Physical load at work", PHYSICAL_LOAD_CODES),
    integer("HEIGHT_CM", "Height (cm)", 120, 220),
    decimal("WEIGHT_KG", "Weight (kg)", 30, 250),
)
# *assumed* (CRF.md): asked at baseline and at both follow-ups.
_WORK_AND_MEDICATION = (
    code("WORK_STATUS", "Work status", WORK_STATUS_CODES),
    integer(
        "SICK_LEAVE_DAYS_4W",
        "Days off work for back pain in the last 4 weeks",
        0,
        28,
        when=WORKING_OR_SICK_LISTED,
    ),
    codes(
        "PAIN_MEDICATION",
        "Pain medication",
        PAIN_MEDICATION_CODES,
        note="none excludes the others",
    ),
)
_SINCE_LAST_VISIT = (
    yes_no("CO_INTERVENTION", "Other treatment for the back since the last visit"),
    text("CO_INTERVENTION_TEXT", "Other treatment: what", when="CO_INTERVENTION = Y"),
    yes_no("SURGERY_SINCE_LAST", "Back surgery since the last visit"),
)
BASELINE = (*_OUTCOMES_BEFORE_GLOBAL, *_BASELINE_ONLY, *_WORK_AND_MEDICATION)
FOLLOW_UP = (
    *_OUTCOMES_BEFORE_GLOBAL,
    GLOBAL_TRANSITION,
    *_WORK_AND_MEDICATION,
    *_SINCE_LAST_VISIT,
)

EXERCISE_ARM, REST_ARM = "arm = exercise", "arm = rest"
ADHERENCE = (
    integer("EXERCISE_SESSIONS", "Group exercise sessions attended", 0, 10, when=EXERCISE_ARM),
    integer(
        "HOME_EXERCISE_DAYS_PER_WEEK",
        "Home exercise days per week",
        0,
        7,
        optional=True,
        note="exercise arm",
    ),
    decimal("REST_HOURS_PER_DAY", "Average rest lying down (hours per day)", 0, 24, when=REST_ARM),
    code("BELT_USE", "Lumbar belt use", BELT_USE_CODES, optional=True, note="rest arm"),
    integer("REST_MEETINGS", "Fortnightly meetings attended", 0, 5, optional=True, note="rest arm"),
)

WEEKLY = (
    integer("WEEK", "Week number", 1, LAST_REPORT_WEEK),
    integer("LBP_DAYS", "Days with low back pain this week", 0, 7),
    integer("SICK_LEAVE_DAYS", "Days on sick leave this week", 0, 7),
)

END_OF_STUDY = (
    date_item("EOS_DATE", "End of study date", note=NOT_IN_FUTURE_NOTE),
    code("EOS_STATUS", "End of study status", EOS_STATUS_CODES),
    text("EOS_REASON", "Reason for ending the study", when="EOS_STATUS is not completed"),
)

AE_TERM_MAX_LENGTH = 200
AE_NOT_ONGOING = "AE_ONGOING = N"
AE_SERIOUS_Y = "AE_SERIOUS = Y"
ADVERSE_EVENT = (
    integer("AE_NO", "Adverse event number", 1, 999, note="assigned in order; the repeat key"),
    text("AE_TERM", "What happened", max_length=AE_TERM_MAX_LENGTH),
    date_item("AE_ONSET", "Onset date", note="on or after CONSENT_DATE; not in the future"),
    yes_no("AE_ONGOING", "Ongoing"),
    date_item("AE_END", "End date", when=AE_NOT_ONGOING, note="on or after AE_ONSET"),
    code("AE_SEVERITY", "Severity", AE_SEVERITY_CODES),
    yes_no("AE_SERIOUS", "Serious adverse event"),
    codes("AE_SAE_CRITERIA", "Seriousness criteria", AE_SAE_CRITERIA_CODES, when=AE_SERIOUS_Y),
    code("AE_RELATED", "Related to the allocated intervention", AE_RELATED_CODES),
    code("AE_ACTION", "Action taken with the intervention", AE_ACTION_CODES),
    code("AE_OUTCOME", "Outcome", AE_OUTCOME_CODES),
)
DISC_REASON_OTHER = "other"
DISCONTINUATION = (
    date_item("DISC_DATE", "Date the intervention stopped", note="on or after CONSENT_DATE"),
    code("DISC_REASON_CODE", "Reason for stopping", DISC_REASON_CODES),
    text("DISC_REASON", "Reason in words", when="DISC_REASON_CODE = other"),
    yes_no(
        "FOLLOW_UP_CONTINUES",
        "Follow-up continues",
        note="if N, record the end of study too",
    ),
)

ITEMS: dict[str, tuple[ItemSpec, ...]] = {
    "screening": SCREENING,
    "mri": MRI,
    "consent": CONSENT,
    "baseline": BASELINE,
    "week10": FOLLOW_UP,
    "month12": FOLLOW_UP,
    "adherence": ADHERENCE,
    "weekly": WEEKLY,
    "adverse_event": ADVERSE_EVENT,
    "discontinuation": DISCONTINUATION,
    "end_of_study": END_OF_STUDY,
}
ITEM_BY_NAME: dict[str, dict[str, ItemSpec]] = {
    form: {spec.name: spec for spec in specs} for form, specs in ITEMS.items()
}

# Adherence items by arm: the other arm's items must stay empty; one item per arm is required.
ARM_ITEMS: dict[str, tuple[str, ...]] = {
    "exercise": ("EXERCISE_SESSIONS", "HOME_EXERCISE_DAYS_PER_WEEK"),
    "rest": ("REST_HOURS_PER_DAY", "BELT_USE", "REST_MEETINGS"),
}
ARM_REQUIRED_ITEM = {"exercise": "EXERCISE_SESSIONS", "rest": "REST_HOURS_PER_DAY"}
MODIC_DETAIL_ITEMS = (
    "MODIC_TYPE",
    "MODIC_LEVELS",
    "MODIC_LARGE",
    *(spec.name for row in MRI_LEVEL_ROWS.values() for spec in row),
)
