"""The workflow diagrams, drawn on the server as SVG from the definition the machines are built
from (`flow_moves`: tests/test_diagram.py holds them to the machines of casework.services.
machine): no script, nothing to download, they print and work offline.

A flow is first made a graph (`flow_graph`): its states, the active ones inside one group
("In progress") so that a trigger from every one of them is one edge from the group, and one
edge per (source, destination) with the labels of the triggers it carries. The layout is made
for these flows and holds for any flow of the same shape: the main line of states in one
column, top to bottom, in the flow's order; an edge between neighbours is a straight arrow
with its label beside it, any other edge (a skip ahead, a step back) runs in a lane on the
left; the states outside the main line (on hold, closed) stand in a column on the right.
Labels are translated into the request's language and fitted (casework/svg.py). For a case,
its state is marked, and so are the edges of the triggers its user may fire now (in colour,
and with ALLOWED_MARK in the text).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import get_locale, gettext
from markupsafe import Markup, escape

from casework.svg import wrap
from casework.workflow.definition import KIND_LABELS, N_, Flow, Trigger, flow_for

GROUP = "in_progress"  # the group drawn around a flow's active states
GROUP_LABEL = N_("In progress")
RESUME_LABEL = N_("the state it left")
ALLOWED_MARK = "▶ "    # starts the label of an edge the user may fire now

# node styles
TERMINAL, CURRENT, LEFT, DEFAULT = "terminal", "current", "left", "default"
STYLES = {  # fill, stroke, text, stroke width, dashes
    DEFAULT: ("#ffffff", "#6b7a8f", "#1f2933", 1, None),
    TERMINAL: ("#eef2f7", "#6b7a8f", "#1f2933", 1, None),
    CURRENT: ("#1f4e79", "#0b2942", "#ffffff", 3, None),
    LEFT: ("#e8f0f8", "#1f4e79", "#1f2933", 2, "5 4"),
}
LINE, LINE_ALLOWED = "#5b6b7f", "#b4530a"   # edges; the user's triggers (5.0:1 on white)

# geometry (px): boxes, gaps, lanes, the fonts of state and edge labels
BOX_W, BOX_H, STATE_SIZE = 190, 40, 13
EDGE_SIZE, LINE_H = 12, 14
CHAIN_GAP = 48          # between two boxes of the main line (an arrow and its label)
CHAIN_LABEL_W = 150     # the label beside such an arrow
LANE_STEP = 14
LANE_LABEL_W = 120
SIDE_W, SIDE_GAP, SIDE_STEP = 150, 150, 120
PAD, HEADER = 12, 30


@dataclass(frozen=True)
class Edge:
    src: str                                   # a state, or GROUP
    dst: str
    labels: tuple[str, ...]                    # message ids, in the table's order
    moves: frozenset[tuple[str, str, str]]     # the (trigger, from, to) it stands for
    resume: bool = False                       # back to the state the case left


@dataclass(frozen=True)
class Graph:
    flow: Flow
    group: tuple[str, ...]     # the active states, drawn inside the group
    main: tuple[str, ...]      # the main line, in order (the group's states first)
    side: tuple[str, ...]      # the others (on hold, closed)
    edges: tuple[Edge, ...]

    def edge(self, src: str, dst: str) -> Edge | None:
        return next((e for e in self.edges if (e.src, e.dst) == (src, dst)), None)


def flow_moves(flow: Flow) -> list[tuple[str, str, str]]:
    """Every (trigger, source, destination) the flow allows; a resume may return to any active
    state (the one the case left), as the machine's branches do."""
    return [(trigger.name, src, dst) for trigger in flow.triggers for src in trigger.sources
            for dst in ((trigger.dest,) if trigger.dest is not None else flow.active_states)]


def flow_graph(flow: Flow) -> Graph:
    """The flow's states and edges, from the moves the machine is built from."""
    group = flow.active_states
    moves = flow_moves(flow)
    edges: dict[tuple[str, str], dict] = {}
    for name, src, dst in moves:
        pairs = [(s, d) for n, s, d in moves if n == name]
        resume = dst in group and {d for s, d in pairs if s == src} >= set(group)
        if resume:
            key = (src, GROUP)
        elif src in group and {s for s, d in pairs if d == dst} >= set(group):
            key = (GROUP, dst)
        else:
            key = (src, dst)
        entry = edges.setdefault(key, {"labels": [], "moves": set(), "resume": resume})
        label = flow.trigger(name).label
        if label not in entry["labels"]:
            entry["labels"].append(label)
        entry["moves"].add((name, src, dst))
    ends = {dst for (src, dst) in edges if src in group}
    main = tuple(s for s in flow.state_names if s in group or (s in ends and s not in
                 {d for (s2, d) in edges if s2 == GROUP}))
    side = tuple(s for s in flow.state_names if s not in main)
    return Graph(flow=flow, group=group, main=main, side=side, edges=tuple(
        Edge(src, dst, tuple(e["labels"]), frozenset(e["moves"]), e["resume"])
        for (src, dst), e in edges.items()))


# --- layout and drawing ------------------------------------------------------------------------

@dataclass
class _Canvas:
    uid: str
    parts: list[str] = field(default_factory=list)

    def text(self, x, y, lines, *, size=EDGE_SIZE, anchor="start", fill="#1f2933",
             weight=None, css=None):
        """Lines of text, the first one's baseline at y."""
        attrs = f' font-weight="{weight}"' if weight else ""
        attrs += f' class="{css}"' if css else ""
        for i, line in enumerate(lines):
            self.parts.append(
                f'<text x="{x:.0f}" y="{y + i * (size + 2):.0f}" font-size="{size}" '
                f'text-anchor="{anchor}" fill="{fill}"{attrs}>{escape(line)}</text>')

    def arrow(self, points, allowed: bool, dashed: bool = False):
        path = " ".join(f"{'M' if i == 0 else 'L'}{x:.0f},{y:.0f}" for i, (x, y) in
                        enumerate(points))
        colour = LINE_ALLOWED if allowed else LINE
        marker = "a" if allowed else "n"
        dashes = ' stroke-dasharray="6 4"' if dashed else ""
        self.parts.append(
            f'<path d="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="{2.5 if allowed else 1.3}"{dashes} '
            f'marker-end="url(#{self.uid}-{marker})"/>')


def _edge_lines(edge: Edge, allowed: bool, width: float) -> list[str]:
    texts = [gettext(label) for label in edge.labels]
    if edge.resume:
        texts = [f"{t} → {gettext(RESUME_LABEL)}" for t in texts]
    text = " | ".join(texts)
    return wrap((ALLOWED_MARK if allowed else "") + text, width, EDGE_SIZE, max_lines=3)


def draw(graph: Graph, uid: str, title: str, current: str | None = None,
         left: str | None = None, allowed: frozenset = frozenset()) -> str:
    """The SVG of a flow's graph; `allowed`: the (trigger, from, to) the user may fire now."""
    marked = {(e.src, e.dst) for e in graph.edges if e.moves & allowed}
    rank = {s: i for i, s in enumerate(graph.main)}
    chain = [e for e in graph.edges if e.src in rank and e.dst in rank
             and rank[e.dst] == rank[e.src] + 1]
    lanes_of = [e for e in graph.edges if e.src in rank and e.dst in rank and e not in chain]

    # lanes on the left: the shortest spans nearest the boxes, no two overlapping in a lane
    lane: dict[tuple[str, str], int] = {}
    spans: list[list[tuple[int, int]]] = []
    for e in sorted(lanes_of, key=lambda e: abs(rank[e.dst] - rank[e.src])):
        lo, hi = sorted((rank[e.src], rank[e.dst]))
        k = next((k for k, used in enumerate(spans)
                  if all(hi < a or lo > b for a, b in used)), len(spans))
        if k == len(spans):
            spans.append([])
        spans[k].append((lo, hi))
        lane[(e.src, e.dst)] = k
    left_w = (LANE_LABEL_W + len(spans) * LANE_STEP + 8) if spans else 0

    group_x = 4
    box_x = group_x + PAD + left_w
    cx = box_x + BOX_W / 2
    top = 34                       # room for the start dot above the group
    in_group = [s for s in graph.main if s in graph.group]
    y_of: dict[str, float] = {}
    y = top + HEADER
    for s in graph.main:
        if s not in graph.group and graph.group and s == graph.main[len(in_group)]:
            y += PAD                     # the first state after the group, below its border
        y_of[s] = y
        y += BOX_H + CHAIN_GAP
    group_bottom = (y_of[in_group[-1]] + BOX_H + PAD) if in_group else top
    group_right = max(box_x + BOX_W, cx + 8 + CHAIN_LABEL_W) + PAD
    side_x = group_right + SIDE_GAP
    side_y: dict[str, float] = {}
    first_side = top + HEADER + max(0.0, (group_bottom - top - HEADER) * 0.25)
    for i, s in enumerate(graph.side):
        side_y[s] = first_side + i * SIDE_STEP
    width = side_x + SIDE_W + (CHAIN_LABEL_W if graph.side else 0) + 4
    height = max([y_of[s] + BOX_H for s in graph.main] + [side_y[s] + BOX_H + 40
                  for s in graph.side]) + 8

    c = _Canvas(uid)
    c.parts.append(
        f'<defs>'
        f'<marker id="{uid}-n" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{LINE}"/></marker>'
        f'<marker id="{uid}-a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
        f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{LINE_ALLOWED}"/></marker></defs>')
    if in_group:
        c.parts.append(
            f'<g class="group" data-state="{GROUP}"><rect x="{group_x}" y="{top}" '
            f'width="{group_right - group_x:.0f}" height="{group_bottom - top:.0f}" rx="8" '
            f'fill="#f5f7fa" stroke="#8a99ad"/>')
        c.text(group_x + PAD, top + 19, [gettext(GROUP_LABEL)], size=12, weight="bold",
               fill="#3d4a5c")
        c.parts.append("</g>")
    # the start: a dot and an arrow into the first state
    first = graph.flow.initial
    if first in y_of:
        c.parts.append(f'<circle cx="{cx:.0f}" cy="9" r="6" fill="#1f2933"/>')
        c.arrow([(cx, 15), (cx, y_of[first])], False)

    def node(s: str, x: float, y: float, w: float) -> None:
        style = CURRENT if s == current else LEFT if s == left else \
            TERMINAL if s in graph.flow.terminal else DEFAULT
        fill, stroke, ink, stroke_w, dash = STYLES[style]
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        label = gettext(graph.flow.state_label(s))
        lines = wrap(label, w - 14, STATE_SIZE, max_lines=2)
        c.parts.append(f'<g class="state s-{style}" data-state="{s}">'
                       f'<title>{escape(label)}</title>'
                       f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{BOX_H}" rx="6" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"{dashes}/>')
        first_y = y + BOX_H / 2 + 4.5 - (len(lines) - 1) * (STATE_SIZE + 2) / 2
        c.text(x + w / 2, first_y, lines, size=STATE_SIZE, anchor="middle", fill=ink,
               weight="bold" if style == CURRENT else None)
        c.parts.append("</g>")

    def edge_group(e: Edge, points, label_at, anchor="start", width=CHAIN_LABEL_W,
                   dashed=False, below=False):
        allowed_edge = (e.src, e.dst) in marked
        lines = _edge_lines(e, allowed_edge, width)
        c.parts.append(f'<g class="edge{" allowed" if allowed_edge else ""}" '
                       f'data-edge="{e.src}&gt;{e.dst}">')
        c.arrow(points, allowed_edge, dashed)
        x, y = label_at
        if not below:   # the lines end just above y
            y -= (len(lines) - 1) * (EDGE_SIZE + 2)
        c.text(x, y, lines, anchor=anchor, fill=LINE_ALLOWED if allowed_edge else "#1f2933",
               weight="bold" if allowed_edge else None)
        c.parts.append("</g>")

    for e in chain:   # neighbours on the main line
        y1, y2 = y_of[e.src] + BOX_H, y_of[e.dst]
        mid = (y1 + y2) / 2 + 4
        edge_group(e, [(cx, y1), (cx, y2)], (cx + 8, mid + EDGE_SIZE / 2 - 2), below=False)

    # lanes: out of the source's left side, along the lane, into the destination's left side
    attach: dict[str, int] = {}
    placed: list[tuple[float, float]] = []
    for e in sorted(lanes_of, key=lambda e: rank[e.src]):
        k = lane[(e.src, e.dst)]
        x_lane = box_x - 14 - k * LANE_STEP

        def side_y_of(s):
            n = attach.get(s, 0)
            attach[s] = n + 1
            return y_of[s] + BOX_H / 2 + (n - 0.5) * 10
        ys, yd = side_y_of(e.src), side_y_of(e.dst)
        lines = _edge_lines(e, (e.src, e.dst) in marked, LANE_LABEL_W - 8)
        h = len(lines) * (EDGE_SIZE + 2)
        label_top = ys - h / 2
        for a, b in sorted(placed):   # below a label already there
            if label_top < b + 4 and label_top + h > a:
                label_top = b + 4
        placed.append((label_top, label_top + h))
        ly = label_top + EDGE_SIZE - 2
        x_text = box_x - 6 - len(spans) * LANE_STEP
        edge_group(e, [(box_x, ys), (x_lane, ys), (x_lane, yd), (box_x, yd)],
                   (x_text, ly), anchor="end", width=LANE_LABEL_W - 8, below=True)

    # the side column, and the edges between it and the group (or a state)
    def box_y(s):
        return y_of.get(s, side_y.get(s, 0))

    for e in graph.edges:
        if e in chain or e in lanes_of:
            continue
        src_side, dst_side = e.src in side_y, e.dst in side_y
        if e.src == GROUP and dst_side:                 # to the side: the upper arrow
            yy = side_y[e.dst] + BOX_H / 2 - 10
            edge_group(e, [(group_right, yy), (side_x, yy)], (group_right + 8, yy - 5),
                       width=SIDE_GAP - 16)
        elif src_side and e.dst == GROUP:               # back into the group: the lower one
            yy = side_y[e.src] + BOX_H / 2 + 10
            edge_group(e, [(side_x, yy), (group_right, yy)],
                       (group_right + 8, yy + EDGE_SIZE + 4), width=SIDE_GAP - 16,
                       dashed=True, below=True)
        elif src_side and dst_side:                     # down (or up) the side column
            a, b = side_y[e.src], side_y[e.dst]
            x = side_x + SIDE_W / 2
            points = [(x, a + BOX_H), (x, b)] if b > a else [(x, a), (x, b + BOX_H)]
            edge_group(e, points, (x + 8, (a + b + BOX_H) / 2 + 4), width=CHAIN_LABEL_W,
                       below=True)
        else:                                           # any other: a straight line
            x1 = side_x if src_side else box_x + BOX_W
            x2 = side_x if dst_side else box_x + BOX_W
            y1, y2 = box_y(e.src) + BOX_H / 2, box_y(e.dst) + BOX_H / 2
            edge_group(e, [(x1, y1), (x2, y2)], ((x1 + x2) / 2, (y1 + y2) / 2 - 4),
                       anchor="middle", width=SIDE_GAP - 16)

    for s in graph.main:
        node(s, box_x, y_of[s], BOX_W)
    for s in graph.side:
        node(s, side_x, side_y[s], SIDE_W)

    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'style="max-width: {width:.0f}px" '
        f'role="img" aria-labelledby="{uid}-title">'
        f'<title id="{uid}-title">{escape(title)}</title>' + "".join(c.parts) + "</svg>")


# --- the diagrams of the pages --------------------------------------------------------------------

@dataclass(frozen=True)
class Diagram:
    flow: str
    svg: Markup                    # the drawing
    graph: Graph
    current: str | None = None     # the case's state
    allowed: tuple[tuple[str, str, str], ...] = ()   # (trigger, from, to) the user may fire


@lru_cache(maxsize=16)
def diagram_graph(flow: Flow) -> Graph:
    return flow_graph(flow)


@lru_cache(maxsize=64)
def _flow_svg(flow: Flow, locale: str) -> str:
    return draw(diagram_graph(flow), f"wf-{flow.name}", _title(flow))


def _title(flow: Flow, state: str | None = None) -> str:
    title = f"{gettext('Workflow diagram')}: {gettext(KIND_LABELS[flow.kinds[0]])}"
    return f"{title} · {gettext(flow.state_label(state))}" if state else title


def flow_diagram(flow: Flow) -> Diagram:
    """The whole flow, labels in the request's language (cached per language: it is static)."""
    return Diagram(flow=flow.name, svg=_flow_svg(flow, str(get_locale())),
                   graph=diagram_graph(flow))


@lru_cache(maxsize=1024)
def _case_svg(flow: Flow, state: str, left: str | None, allowed: frozenset,
              locale: str) -> str:
    """A case's diagram depends on these alone: drawn once, not on every page view."""
    return draw(diagram_graph(flow), f"wf-case-{flow.name}", _title(flow, state),
                current=state, left=left, allowed=allowed)


def _moves(case, trigger: Trigger) -> list[tuple[str, str]]:
    if trigger.dest is None:   # resume: back to the state the case left
        return [(case.state, case.resume_state)] if case.resume_state else []
    return [(case.state, trigger.dest)]


def case_diagram(case, allowed: list[Trigger]) -> Diagram:
    """The case's flow with its state and the triggers its viewer may fire now (`allowed`, as
    casework.services.transitions.allowed_triggers finds them) marked."""
    flow = flow_for(case.kind)
    marked = tuple((t.name, src, dst) for t in allowed for src, dst in _moves(case, t))
    left = case.resume_state if case.state == "on_hold" else None
    svg = _case_svg(flow, case.state, left, frozenset(marked), str(get_locale()))
    return Diagram(flow=flow.name, svg=svg, graph=diagram_graph(flow), current=case.state,
                   allowed=marked)
