"""Every form, given nothing or nonsense, refuses it in Vietnamese: WTForms' own messages go
through casework's catalogue (WTForms ships no Vietnamese one)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from flask import g
from werkzeug.datastructures import MultiDict
from wtforms import Form

import casework.forms
from casework.forms import _fields
from casework.forms.transitions import trigger_form_class
from casework.workflow.definition import FLOWS
from tests.test_translations import compiled_catalogue  # noqa: F401  (a fixture)

# words of an English sentence that no Vietnamese message holds
ENGLISH = re.compile(r"\b(the|is|are|must|be|field|this|not|valid|value|number|at|least|most|"
                     r"required|choice|choose|date|token|missing|file|characters?|long|"
                     r"invalid|input|between|and|or|of|a|an)\b", re.I)


def _form_classes() -> list[type[Form]]:
    found = {}
    for info in pkgutil.iter_modules(casework.forms.__path__):
        module = importlib.import_module(f"casework.forms.{info.name}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == module.__name__:
                found[cls.__qualname__] = cls
    for flow in FLOWS:
        for trigger in flow.triggers:
            cls = trigger_form_class(trigger)
            found.setdefault(cls.__name__, cls)
    return list(found.values())


def _wrong(field, variant: str) -> list[str]:
    """What a person might type into the field that it refuses."""
    kind = field.type
    if kind in ("HiddenField", "CSRFTokenField", "SubmitField", "BooleanField"):
        return []
    if variant == "text":
        return {"IntegerField": ["mười"], "DateField": ["31/02/2025"],
                "FileField": ["not-a-file"]}.get(kind, ["không-có\x00-thật"])
    return {"IntegerField": ["-5"], "DateField": ["1800-13-40"],
            "FileField": [""]}.get(kind, ["x" * 20_000])


def _english_errors(app, cls, variant: str) -> list[str]:
    """The messages the form gives, in Vietnamese, that read as English."""
    with app.test_request_context("/", method="POST", headers={"Cookie": "lang=vi"}):
        for key in list(vars(g)):
            delattr(g, key)
        blank = cls(formdata=None)
        data = MultiDict()
        if variant != "empty":
            for field in _fields(blank):
                for value in _wrong(field, variant):
                    data.add(field.name, value)
        form = cls(formdata=data)
        for field in _fields(form):
            if hasattr(field, "choices") and not field.choices:
                field.choices = [("ok", "ok")]      # set by the view in the app
        form.validate()
        messages = [str(m) for field in _fields(form) for m in field.errors]
        messages += [str(m) for m in form.form_errors]
        return messages, [m for m in messages if len(ENGLISH.findall(m)) >= 2]


@pytest.mark.parametrize("variant", ["empty", "text", "out_of_range"])
def test_every_form_refuses_in_vietnamese(app, compiled_catalogue, variant):  # noqa: F811
    classes = _form_classes()
    assert len(classes) > 25       # every form module, and a form per trigger
    seen, english = 0, []
    for cls in classes:
        messages, wrong = _english_errors(app, cls, variant)
        seen += len(messages)
        english += [f"{cls.__name__}: {m!r}" for m in wrong]
    assert seen > 30, "the forms refused almost nothing: check the inputs"
    assert not english, "English reached a Vietnamese form:\n  " + "\n  ".join(english)


def test_a_refusal_of_wtforms_reads_vietnamese_with_its_number(app, compiled_catalogue):  # noqa: F811
    from casework.forms.cases import EditCaseForm
    messages, _english = _english_errors(app, EditCaseForm, "out_of_range")
    assert "Số phải lớn hơn hoặc bằng 0." in messages


@pytest.mark.parametrize("typed, expected", [
    ("lan.congdoan.vn", "Địa chỉ email không hợp lệ: Địa chỉ email phải có ký tự @."),
    ("lan@@congdoan.vn", "Địa chỉ email không hợp lệ (viết theo dạng ten@example.vn)."),
])
def test_a_wrong_email_is_explained_in_vietnamese(app, compiled_catalogue, typed,  # noqa: F811
                                                   expected):
    from casework.errors import Invalid
    from casework.services.users import clean_email
    with app.test_request_context("/", headers={"Cookie": "lang=vi"}):
        g.pop("_flask_babel", None)
        with pytest.raises(Invalid) as refused:
            clean_email(typed)
    assert refused.value.message == expected and refused.value.field == "email"
