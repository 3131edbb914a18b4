"""The form uploading a file against a checklist item of the dossier."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField

from casework.forms import CaseworkForm
from casework.forms.cases import document_choices


class AttachmentForm(CaseworkForm):
    document = SelectField(_l("Checklist item"), choices=document_choices())
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file to upload"))],
                     description=_l("PDF, image (PNG, JPEG, WebP, TIFF, GIF) or office document "
                                    "(Word, Excel, OpenDocument)"))
    submit = SubmitField(_l("Upload"))
