#!/usr/bin/env python3
"""Writes the states-and-triggers tables of docs/domain.md from the transition tables.

    python scripts/domain_doc.py           # rewrite the tables in docs/domain.md
    python scripts/domain_doc.py --check   # exit 1 if docs/domain.md is not what FLOWS say

The tables stand between the two markers below; everything else in docs/domain.md is written by
hand. tests/test_domain_doc.py fails when the tables and `casework/workflow/definition.py`
disagree, so a change of the flows comes with this command's output.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from casework.workflow.definition import FLOWS, KIND_LABELS, Flow, Trigger  # noqa: E402

DOC = ROOT / "docs" / "domain.md"
BEGIN = ("<!-- states and triggers: generated from casework/workflow/definition.py by "
         "scripts/domain_doc.py; do not edit by hand -->")
END = "<!-- end of the generated states and triggers -->"

# who decides an approval, in words (the approver names of definition.py)
APPROVERS = {
    "supervisor": "a supervisor whose unit's subtree holds the case (not the requester)",
    "vgcl_leader": "a leader of the VGCL, the root (not the requester)",
}
ROLES = {
    ("organiser", "supervisor"): "organiser or supervisor",
    ("supervisor",): "supervisor",
}


def _code(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _sources(flow: Flow, trigger: Trigger) -> str:
    active = set(flow.active_states)
    if set(trigger.sources) == active:
        return "any open state"
    if set(trigger.sources) == active | {"on_hold"}:
        return "any open state, or `on_hold`"
    return _code(trigger.sources)


def _approver(trigger: Trigger) -> str:
    if trigger.approval is None:
        return "—"
    name = getattr(trigger.approval, "name", trigger.approval)
    if name in APPROVERS:
        return APPROVERS[name]
    return str(getattr(trigger.approval, "label", f"`{name}`"))


def _data(trigger: Trigger) -> str:
    if not trigger.fields:
        return "—"
    parts = []
    for f in trigger.fields:
        notes = [f.type] + (["optional"] if not f.required else []) \
            + (["by the approver"] if f in trigger.decision_fields else []) \
            + (["personal"] if f.personal else [])
        parts.append(f"`{f.name}` ({', '.join(notes)})")
    return "; ".join(parts)


def flow_table(flow: Flow) -> str:
    kinds = "; ".join(f"`{k}`, {KIND_LABELS[k][0].lower()}{KIND_LABELS[k][1:]}"
                      for k in flow.kinds)
    lines = [f"### The `{flow.name}` flow", "", f"Kinds of case: {kinds}.", "",
             "| State | Label | |", "| --- | --- | --- |"]
    for state in flow.states:
        name = state.name
        what = "initial" if name == flow.initial else "terminal" if state.terminal \
            else "side state" if name == "on_hold" else ""
        lines.append(f"| `{name}` | {state.label} | {what} |")
    lines += ["", "| Trigger | Label | From | To | Fired by | Approved by | Data | "
              "Comment | Guards | Effects |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in flow.triggers:
        dest = f"`{t.dest}`" if t.dest else "the state it left"
        roles = ROLES.get(tuple(t.roles), ", ".join(t.roles))
        lines.append(
            f"| `{t.name}` | {t.label} | {_sources(flow, t)} | {dest} | {roles} | "
            f"{_approver(t)} | {_data(t)} | {'required' if t.comment_required else '—'} | "
            f"{_code(t.guards) or '—'} | {_code(t.effects) or '—'} |")
    return "\n".join(lines)


def tables() -> str:
    return "\n\n".join(flow_table(flow) for flow in FLOWS)


def with_tables(doc: str) -> str:
    """`doc` with its generated block replaced by the tables FLOWS give today."""
    head, begin, rest = doc.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{DOC}: the markers of the generated tables are missing")
    return f"{head}{BEGIN}\n\n{tables()}\n\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only say whether docs/domain.md is up to date")
    args = parser.parse_args()
    doc = DOC.read_text(encoding="utf-8")
    fresh = with_tables(doc)
    if args.check:
        if fresh != doc:
            print(f"{DOC} is out of date: run python scripts/domain_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
