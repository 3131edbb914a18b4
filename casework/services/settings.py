"""Federation settings: a stored value wins over the default written here."""
from casework.extensions import db
from casework.models import Setting

DEFAULTS = {
    "min_founders": 5,                 # law: a CĐCS needs at least 5 members or applicants
    "recognition_deadline_days": 15,   # working days for the superior union to decide
    # working days the executive committee has to file the dossier after the founding congress
    "dossier_deadline_days": 15,
    # the dossier checklist items submit_dossier requires (the guidance lists these five; a
    # federation may add business_registration and workforce_report)
    "required_documents": ["cover_letter", "member_list", "congress_minutes", "election_minutes",
                           "committee_cvs"],
    "stuck_after_days": 60,            # a case this long in one state counts as stuck
    # the chance that an open case in each state is founded: weights the targets' forecast
    "pipeline_probabilities": {
        "identified": 0.05, "outreach": 0.1, "mobilising": 0.25, "eligible": 0.45,
        "congress_scheduled": 0.6, "congress_held": 0.75, "dossier_submitted": 0.85,
        "recognised": 0.95, "on_hold": 0.02,
        "proposed": 0.05, "survey": 0.15, "scheme_drafted": 0.3, "scheme_approved": 0.6,
        "established": 0.9,
    },
    "visit_gap_months": 6,
    # how far a case's member target may exceed its enterprises' workforce, in percent (0: not
    # at all; a federation counting expected hires may allow some)
    "member_target_margin": 0,             # a province with no leadership visit this long is flagged
    # the application register (casework/services/applications.py)
    "online_applications_per_link_per_day": 200,  # then the link refuses until tomorrow
    "erase_not_feasible_after_days": 180,  # personal data of a case closed as not feasible
}


def get_setting(key: str):
    row = db.session.get(Setting, key)
    if row is not None:
        return row.value.get("value")
    return DEFAULTS[key]


def set_setting(key: str, value) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value={"value": value}))
    else:
        row.value = {"value": value}
    db.session.flush()
