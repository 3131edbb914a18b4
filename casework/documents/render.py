"""A DOCX template rendered with a context (docxtpl: Jinja inside Word).

Templates may be uploaded by a federation's administrator, so Jinja runs sandboxed (no
attribute of a Python object beyond the data given), values are XML-escaped (a name holding
`&` or `<` stays text), and an unknown variable is an error rather than a silent blank."""
from __future__ import annotations

import io
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

SHIPPED = Path(__file__).resolve().parent / "templates"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def shipped_template(type_name: str) -> bytes:
    return (SHIPPED / f"{type_name}.docx").read_bytes()


def render(template: bytes, context: dict) -> bytes:
    """The document: the template's placeholders filled from `context`. Raises what docxtpl and
    Jinja raise (a broken template: TemplateSyntaxError with its line, UndefinedError ...)."""
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, jinja_env=_environment())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
