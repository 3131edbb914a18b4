"""docs/domain.md says what the code does: its tables of states and triggers are those of FLOWS,
it names every role, unit type and province, and no comment points to a document that is not
in the repository."""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from vietnam_provinces import Province as SourceProvince
from vietnam_provinces import VietNamDivisionType

from casework.models import Role, UnitType
from casework.workflow.definition import FLOWS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "domain.md"


def _generator():
    spec = importlib.util.spec_from_file_location("domain_doc", ROOT / "scripts" / "domain_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_states_and_triggers_tables_are_those_of_the_definition():
    doc = DOC.read_text(encoding="utf-8")
    assert _generator().with_tables(doc) == doc, \
        "docs/domain.md disagrees with casework/workflow/definition.py: run " \
        "`python scripts/domain_doc.py` and commit the result"


def test_every_state_trigger_role_and_unit_type_is_named():
    doc = DOC.read_text(encoding="utf-8")
    names = {s for flow in FLOWS for s in flow.state_names} \
        | {t.name for flow in FLOWS for t in flow.triggers} \
        | {r.value for r in Role} | {t.value for t in UnitType}
    assert {n for n in names if f"`{n}`" not in doc} == set()


def test_the_provinces_table_is_the_34_provinces_of_the_reference_data():
    section = DOC.read_text(encoding="utf-8").split("## 3.")[1].split("\n## ")[0]
    row = re.compile(r"\|\s*(\d{2})\s*\|\s*([^|(]+?)\s*(\(city\))?\s*\|")
    listed = {code: (name.strip(), bool(city)) for code, name, city in row.findall(section)}
    expected = {}
    for source in SourceProvince.iter_all():
        name = re.sub(r"^(Thành phố|Tỉnh) ", "", source.name)
        expected[f"{source.code.value:02d}"] = (
            name, source.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG)
    assert len(expected) == 34
    assert listed == expected


def test_documents_named_in_the_code_exist():
    missing_names = ("DOMAIN" + ".md", "STYLE" + ".md")   # once cited, never in the repository
    cited = re.compile(r"\bdocs/[\w.-]+\.md\b")
    stale, absent = [], []
    for top in ("casework", "templates", "tests", "bench", "scripts", "docs", "README.md"):
        paths = [ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*")
        for path in paths:
            if path.suffix not in (".py", ".md", ".html", ".txt", ".cfg") or "vendor" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            where = path.relative_to(ROOT)
            stale += [f"{where}: {name}" for name in missing_names if name in text]
            absent += [f"{where}: {doc}" for doc in cited.findall(text)
                       if not (ROOT / doc).exists()]
    assert stale == [] and absent == []
