"""Federation settings: a stored value wins over the default written here."""
from casework.extensions import db
from casework.models import Setting

DEFAULTS = {
    "min_founders": 5,                 # law: a CĐCS needs at least 5 members or applicants
    "recognition_deadline_days": 15,   # working days for the superior union to decide
    "stuck_after_days": 60,            # a case this long in one state counts as stuck
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
