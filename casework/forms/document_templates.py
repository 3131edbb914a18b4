"""The form an administrator replaces a document template with."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField

from casework.documents.types import DOCUMENT_TYPES
from casework.forms import CaseworkForm
from casework.forms.cases import choices


class DocumentTemplateForm(CaseworkForm):
    type = SelectField(_l("Document"), choices=choices((t.name, _l(t.label))
                                                       for t in DOCUMENT_TYPES))
    file = FileField(_l("Template (.docx)"),
                     validators=[FileRequired(message=_l("Choose a file to upload"))],
                     description=_l("A Word document with the placeholders of the current "
                                    "template; it is checked by filling it with sample data."))
    submit = SubmitField(_l("Upload the template"))
