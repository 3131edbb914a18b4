"""The upload form of the bulk import of target enterprises (unit choices are set by the view)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from casework.forms import CaseworkForm
from casework.schemas.limits import ADDRESS_LENGTH, ENTERPRISE_NAME_LENGTH, START_ROWS


class ImportForm(CaseworkForm):
    file = FileField(_l("File (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file"))],
                     description=_l("An Excel workbook (.xlsx, first sheet) or a CSV file in "
                                    "UTF-8, comma- or semicolon-separated"))
    unit = SelectField(_l("Managing unit"), choices=[], validate_choice=False,
                       description=_l("The unit whose cases these become"))
    start_row = IntegerField(_l("Start at row"), validators=[Optional(), NumberRange(*START_ROWS)],
                             description=_l("Leave empty to import the whole file; to resume "
                                            "an import that stopped, give the row it says"))
    submit = SubmitField(_l("Import"))


# what each column accepts, for the import page and the template's instructions sheet
COLUMN_HELP = {
    "name": _l("Required. The enterprise's name, at most %(maximum)d characters.",
               maximum=ENTERPRISE_NAME_LENGTH),
    "tax_code": _l("Required. 10 digits, or 13 written NNNNNNNNNN-NNN for a branch; the check "
                   "digit is verified. A leading zero Excel dropped is put back."),
    "province": _l("Required. The province code (79, or 1 for 01) or its name, with or without "
                   "diacritics (Hồ Chí Minh, thanh hoa, TP Hà Nội)."),
    "workforce": _l("Required. Total workers, a whole number (1200, 1.200 or 1,200)."),
    "ownership": _l("Optional, private when empty: state, private, fdi, conglomerate_member "
                    "(or nhà nước, tư nhân, FDI, thành viên tập đoàn)."),
    "sector": _l("Optional: textile_garment, footwear, electronics, banking, construction, "
                 "logistics, food_processing, other (or dệt may, da giày ...), or free text."),
    "address": _l("Optional, at most %(maximum)d characters.", maximum=ADDRESS_LENGTH),
    "women": _l("Optional. Women workers, from 0 to the workforce."),
    "foreign_workers": _l("Optional. Foreign workers on contracts of 12 months or more, from 0 "
                          "to the workforce."),
}
REASON_LABELS = {
    "name": _l("Name"),
    "tax_code": _l("Tax code"),
    "province": _l("Province"),
    "workforce": _l("Workforce"),
    "women": _l("Women workers"),
    "foreign_workers": _l("Foreign workers"),
    "ownership": _l("Ownership"),
    "sector": _l("Sector"),
    "address": _l("Address"),
    "duplicate_in_file": _l("Duplicate in the file"),
    "active_case": _l("Already has an active case"),
}
