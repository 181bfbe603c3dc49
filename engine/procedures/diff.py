"""What changed between two versions of a procedure, in the designer's terms (ISO 9001 §7.5.2: changes
to documented information are identified).

Built on the structural model of ``engine.procedures.bpmn`` (elements matched by BPMN id): elements added,
removed and changed (name, type, lane, condition, timer, properties, wiring), step deadlines changed (with
their working-time meaning), card fields and lane → role mapping changed, forms added/removed/changed, and
the deadline budget of the longest path before and after.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from engine.clock.durations import WorkDuration, parse_duration
from engine.errors import InvalidDuration
from engine.procedures.bpmn import BpmnModel, FlowNode, Process, SequenceFlow, load_model
from engine.procedures.validator import longest_deadline_path

DEADLINE = "deadline"


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class ElementRef:
    id: str
    kind: str  # BPMN tag: userTask, exclusiveGateway, sequenceFlow, lane …
    name: str | None


@dataclass(frozen=True)
class ElementChange:
    id: str
    kind: str
    name: str | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class DeadlineChange:
    id: str
    name: str | None
    old: str | None
    new: str | None
    old_vi: str
    new_vi: str


@dataclass
class VersionDiff:
    added: list[ElementRef] = field(default_factory=list)
    removed: list[ElementRef] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)
    deadlines: list[DeadlineChange] = field(default_factory=list)
    card: list[Change] = field(default_factory=list)
    forms: list[Change] = field(default_factory=list)
    budget: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.card or self.forms)

    def to_dict(self) -> dict:
        return {**asdict(self), "empty": self.empty}


@dataclass(frozen=True)
class Side:
    """One version as the diff sees it: the card as a plain dict, the BPMN bytes, forms as JSON text."""

    card: dict
    bpmn_xml: bytes
    forms: dict[str, str]


def describe_vi(text: str | None) -> str:
    if not text:
        return "không có"
    try:
        return parse_duration(text).describe_vi()
    except InvalidDuration:
        return f"không hợp lệ ({text})"


def _process(side: Side) -> Process | None:
    _, model = load_model(side.bpmn_xml)
    return _pick(model, side.card.get("process"))


def _pick(model: BpmnModel, process_id: str | None) -> Process | None:
    if process_id in model.processes:
        return model.processes[process_id]
    return next(iter(model.processes.values()), None)


def _node_view(n: FlowNode) -> dict:
    props = {k: v for k, v in n.properties.items() if k != DEADLINE}
    return {"kind": n.tag, "name": n.name, "lane": n.lane, "properties": props or None,
            "timer": f"{n.timer.kind}: {n.timer.expression}" if n.timer else None, "default_flow": n.default_flow,
            "attached_to": n.attached_to, "events": ", ".join(n.event_definitions) or None}


def _flow_view(f: SequenceFlow) -> dict:
    return {"name": f.name, "source": f.source, "target": f.target, "condition": f.condition}


def _compare(old: dict, new: dict) -> tuple[Change, ...]:
    return tuple(Change(k, old.get(k), new.get(k)) for k in old.keys() | new.keys() if old.get(k) != new.get(k))


def _elements(p: Process | None) -> dict[str, tuple[str, str | None, dict]]:
    if p is None:
        return {}
    out = {n.id: (n.tag, n.name, _node_view(n)) for n in p.nodes.values()}
    out.update({f.id: ("sequenceFlow", f.name, _flow_view(f)) for f in p.flows.values()})
    out.update({lane.id: ("lane", lane.name, {"name": lane.name}) for lane in p.lanes})
    return out


def _budget(p: Process | None) -> dict:
    if p is None:
        return {"minutes": 0, "path": [], "describe_vi": describe_vi(None)}
    total, path = longest_deadline_path(p)
    return {"minutes": total, "path": path, "describe_vi": WorkDuration(minutes=total).describe_vi()}


def _card_changes(old: dict, new: dict) -> list[Change]:
    keyed = {"lanes", "parts", "results", "required_documents"}  # compared per lane, per part
    changes = [Change(k, old.get(k), new.get(k)) for k in sorted((old.keys() | new.keys()) - keyed)
               if old.get(k) != new.get(k)]
    for key in ("parts", "results"):
        a, b = _by_code(old.get(key)), _by_code(new.get(key))
        changes += [Change(f"{key}.{code}", a.get(code), b.get(code)) for code in sorted(a.keys() | b.keys())
                    if a.get(code) != b.get(code)]
    old_lanes, new_lanes = old.get("lanes") or {}, new.get("lanes") or {}
    changes += [Change(f"lanes.{lane}", old_lanes.get(lane), new_lanes.get(lane))
                for lane in sorted(old_lanes.keys() | new_lanes.keys()) if old_lanes.get(lane) != new_lanes.get(lane)]
    return changes


def _by_code(parts) -> dict[str, dict]:
    """A card's parts by code (a card stored before parts existed has none)."""
    return {p["code"]: p for p in parts or [] if isinstance(p, dict) and "code" in p}


def _form_changes(old: dict[str, str], new: dict[str, str]) -> list[Change]:
    def norm(text):
        try:
            return json.loads(text) if text is not None else None
        except ValueError:
            return text
    out = []
    for task_id in sorted(old.keys() | new.keys()):
        a, b = norm(old.get(task_id)), norm(new.get(task_id))
        if a != b:
            state = "added" if a is None else "removed" if b is None else "changed"
            out.append(Change(f"forms/{task_id}.json", None if a is None else state, None if b is None else state))
    return out


def diff_versions(old: Side, new: Side) -> VersionDiff:
    p_old, p_new = _process(old), _process(new)
    e_old, e_new = _elements(p_old), _elements(p_new)
    result = VersionDiff()
    result.added = [ElementRef(i, e_new[i][0], e_new[i][1]) for i in e_new if i not in e_old]
    result.removed = [ElementRef(i, e_old[i][0], e_old[i][1]) for i in e_old if i not in e_new]
    for element_id in (i for i in e_old if i in e_new):
        changes = _compare(e_old[element_id][2], e_new[element_id][2])
        if changes:
            kind, name = e_new[element_id][0], e_new[element_id][1]
            result.changed.append(ElementChange(element_id, kind, name, tuple(sorted(changes, key=lambda c: c.field))))
    nodes_old = p_old.nodes if p_old else {}
    nodes_new = p_new.nodes if p_new else {}
    for node_id, node in nodes_new.items():
        before = nodes_old.get(node_id)
        if before is None or node.tag != "userTask":
            continue
        a, b = before.properties.get(DEADLINE), node.properties.get(DEADLINE)
        if a != b:
            result.deadlines.append(DeadlineChange(node_id, node.name, a, b, describe_vi(a), describe_vi(b)))
    result.card = _card_changes(old.card, new.card)
    result.forms = _form_changes(old.forms, new.forms)
    result.budget = {"old": _budget(p_old), "new": _budget(p_new)}
    return result
