"""Defensive BPMN reading and the structural model the validator (and later a diff tool) works on.

BPMN files come from designers and, via zip import, from anywhere: XML is size-capped before parsing,
DOCTYPE/ENTITY declarations are refused outright (XXE, billion laughs), and every construct that could
carry code for some engine (scripts, services, vendor extensions) is reported, never executed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as defused_et
from lxml import etree

from engine.errors import PackageError
from engine.procedures.problems import ERROR, WARNING, Problem

MAX_BPMN_BYTES = 2 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
_VENDOR_NS = re.compile(r"camunda|zeebe|activiti|flowable|jboss|drools|bonita|jbpm", re.I)
_VENDOR_CODE_ATTRS = {"class", "expression", "delegateExpression", "resultVariable", "script", "scriptFormat",
                      "resource", "type", "topic", "decisionRef"}

FLOW_NODE_TAGS = frozenset({"startEvent", "endEvent", "userTask", "task", "exclusiveGateway", "parallelGateway",
                            "inclusiveGateway", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})
_NOT_FLOW_NODES = frozenset({"laneSet", "sequenceFlow", "documentation", "extensionElements", "dataObject",
                             "dataObjectReference", "dataStoreReference", "textAnnotation", "association", "group",
                             "ioSpecification", "property", "category"})
_SCRIPT_FIX = ("Xoá phần tử này. Máy chủ không chạy mã từ tệp BPMN: công việc của người dùng là userTask; "
               "rẽ nhánh dùng exclusiveGateway với điều kiện là biểu thức logic trên dữ liệu hồ sơ.")
_SCRIPT_FIX_EN = ("Remove it. The server runs no code from a BPMN file: human work is a userTask; branching uses an "
                  "exclusiveGateway whose conditions are boolean expressions over the dossier data.")
# tag -> (Vietnamese, English) reason; ``True`` marks constructs that carry code.
REFUSED_TAGS = {
    "scriptTask": ("script task chạy mã Python", "a script task runs Python code", True),
    "script": ("khối mã script", "a script block", True),
    "serviceTask": ("service task gọi dịch vụ/mã bên ngoài", "a service task calls external code", True),
    "businessRuleTask": ("business rule task (bảng quyết định DMN) chưa được hỗ trợ",
                         "a business rule task (DMN) is not supported", True),
    "sendTask": ("send task (gửi thông điệp) chưa được hỗ trợ", "a send task (messaging) is not supported", True),
    "receiveTask": ("receive task (nhận thông điệp) chưa được hỗ trợ", "a receive task (messaging) is not supported", True),
    "callActivity": ("callActivity (gọi quy trình khác) chưa được hỗ trợ", "callActivity is not supported yet", True),
    "subProcess": ("quy trình con chưa được hỗ trợ", "sub-processes are not supported yet", False),
    "transaction": ("transaction chưa được hỗ trợ", "transactions are not supported", False),
    "adHocSubProcess": ("ad-hoc sub-process chưa được hỗ trợ", "ad-hoc sub-processes are not supported", False),
    "manualTask": ("manualTask không giao được cho cán bộ: dùng userTask", "manualTask cannot be assigned: use userTask", False),
    "eventBasedGateway": ("event-based gateway chưa được hỗ trợ", "event-based gateways are not supported", False),
    "complexGateway": ("complex gateway chưa được hỗ trợ", "complex gateways are not supported", False),
    "standardLoopCharacteristics": ("vòng lặp trên một bước chưa được hỗ trợ (dùng gateway quay lại)",
                                    "loop markers are not supported (loop back through a gateway)", False),
    "multiInstanceLoopCharacteristics": ("bước nhiều phiên bản chưa được hỗ trợ", "multi-instance is not supported", False),
    "timeCycle": ("hẹn giờ lặp (timeCycle) chưa được hỗ trợ: dùng timeDuration hoặc timeDate",
                  "cycle timers are not supported: use timeDuration or timeDate", False),
}
_EVENT_DEFS_OK = {"timerEventDefinition", "terminateEventDefinition"}
_SPIFF_CODE = {"preScript", "postScript", "serviceTaskOperator", "unitTests", "messagePayload", "messageVariable",
               "processVariableCorrelation", "calledDecisionId", "taskMetadataValues"}
_SPIFF_OK = {"properties", "property", "instructionsForEndUser"}


@dataclass(frozen=True)
class Timer:
    kind: str  # "duration" | "date" | "cycle"
    expression: str  # raw text, as Spiff would evaluate it
    literal: str | None  # the ISO text when the expression is a constant ("PT4H", '"PT4H"'), else None


@dataclass(frozen=True)
class FlowNode:
    id: str
    tag: str
    name: str | None
    lane: str | None  # the single leaf lane holding the node, if exactly one
    lanes: tuple[str, ...]
    properties: dict[str, str]
    incoming: tuple[str, ...]
    outgoing: tuple[str, ...]
    default_flow: str | None
    timer: Timer | None
    event_definitions: tuple[str, ...]
    attached_to: str | None
    cancel_activity: bool
    line: int | None


@dataclass(frozen=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    name: str | None
    condition: str | None
    condition_language: str | None
    line: int | None


@dataclass(frozen=True)
class Lane:
    id: str
    name: str | None
    flow_node_refs: tuple[str, ...]
    is_leaf: bool


@dataclass(frozen=True)
class Process:
    id: str
    name: str | None
    executable: bool
    lanes: tuple[Lane, ...]
    nodes: dict[str, FlowNode]
    flows: dict[str, SequenceFlow]

    def successors(self) -> dict[str, list[str]]:
        """Node id -> next node ids: sequence flows, plus task -> its boundary events (an alternative exit)."""
        succ: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows.values():
            if f.source in succ and f.target in succ:
                succ[f.source].append(f.target)
        for node in self.nodes.values():
            if node.attached_to in succ:
                succ[node.attached_to].append(node.id)
        return succ


@dataclass(frozen=True)
class BpmnModel:
    processes: dict[str, Process]
    participants: tuple[tuple[str, str | None, str | None], ...]  # (id, name, processRef)
    has_diagram: bool
    problems: tuple[Problem, ...] = field(default=())  # refused constructs and structural faults


def _refuse(vi: str, en: str, *, line: int | None = None) -> PackageError:
    return PackageError(vi, message_en=en, details={"line": line} if line else {})


def parse_bpmn_xml(data: bytes, filename: str = "process.bpmn") -> etree._Element:
    """Parse untrusted BPMN bytes into an lxml root; raise PackageError (size, DTD/entities, broken XML)."""
    if not isinstance(data, (bytes, bytearray)):
        raise _refuse("Tệp BPMN phải được đọc dạng bytes.", "BPMN content must be bytes.")
    if len(data) > MAX_BPMN_BYTES:
        raise _refuse(f"Tệp {filename} quá lớn ({len(data)} byte, tối đa {MAX_BPMN_BYTES} byte).",
                      f"{filename} is too large ({len(data)} bytes, at most {MAX_BPMN_BYTES}).")
    try:  # expat gate first: refuses any DOCTYPE before lxml sees the bytes
        defused_et.fromstring(bytes(data), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise _refuse(f"Tệp {filename} có khai báo DOCTYPE/ENTITY: không được phép (nguy cơ XXE, 'billion laughs').",
                      f"{filename} declares a DOCTYPE/ENTITY: not allowed (XXE, billion laughs).") from None
    except ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise _refuse(f"Tệp {filename} không phải XML hợp lệ ở dòng {line}, cột {col}: {exc}.",
                      f"{filename} is not well-formed XML at line {line}, column {col}: {exc}.", line=line) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_pis=True)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"Tệp {filename} không phải XML hợp lệ ở dòng {exc.lineno}: {exc.msg}.",
                      f"{filename} is not well-formed XML at line {exc.lineno}: {exc.msg}.", line=exc.lineno) from None
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise _refuse(f"Tệp {filename} có khai báo DOCTYPE: không được phép.", f"{filename} declares a DOCTYPE.")
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise _refuse(f"Tệp {filename} không phải BPMN 2.0 (phần tử gốc phải là bpmn:definitions).",
                      f"{filename} is not BPMN 2.0 (root must be bpmn:definitions).", line=root.sourceline)
    return root


def _local(el: etree._Element) -> tuple[str | None, str]:
    q = etree.QName(el)
    return q.namespace, q.localname


def _bpmn(el: etree._Element, path: str) -> list[etree._Element]:
    return el.xpath(path, namespaces={"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "bpmndi": BPMNDI_NS})


_CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess", "definitions", "collaboration"}


def _owner_id(el: etree._Element) -> str | None:
    """Id of the flow element holding ``el`` (a <script> reports its task, a timeCycle its event)."""
    while el is not None:
        parent = el.getparent()
        if parent is None or _local(parent)[1] in _CONTAINERS:
            return el.get("id")
        el = parent
    return None


def _timer_literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        value = text if re.fullmatch(r"[0-9A-Za-z:.+\-]+", text) and text[:1] in "P0123456789R" else None
    return value.strip() if isinstance(value, str) else None


def build_model(root: etree._Element, filename: str = "process.bpmn") -> BpmnModel:
    """Extract processes, lanes, nodes and flows, and report refused constructs (never raises on content)."""
    problems: list[Problem] = []

    def report(el_id, vi, en, fix=_SCRIPT_FIX, fix_en=_SCRIPT_FIX_EN, severity=ERROR):
        problems.append(Problem(filename, el_id, vi, fix, en, severity, fix_en))

    seen_ids: dict[str, int] = {}
    for el in root.iter(etree.Element):
        ns, tag = _local(el)
        el_id = el.get("id")
        if el_id and ns in (BPMN_NS, BPMNDI_NS):
            if el_id in seen_ids and ns == BPMN_NS:
                report(el_id, f"Mã phần tử '{el_id}' bị trùng (dòng {seen_ids[el_id]} và {el.sourceline}).",
                       f"Duplicate element id '{el_id}'.", "Đặt mã (id) khác nhau cho từng phần tử.", "Give each element its own id.")
            seen_ids.setdefault(el_id, el.sourceline)
        if ns == BPMN_NS and tag in REFUSED_TAGS:
            vi, en, code = REFUSED_TAGS[tag]
            if code:
                report(_owner_id(el), f"Không được dùng {tag}: {vi}. Điều kiện phải là biểu thức logic; không cho phép script.",
                       f"{tag} is refused: {en}. Conditions must be boolean expressions; scripts are not allowed.")
            else:
                report(_owner_id(el), f"Không hỗ trợ {tag}: {vi}.", f"{tag} is not supported: {en}.",
                       "Vẽ lại phần này bằng userTask, gateway và sự kiện hẹn giờ.",
                       "Redraw this part with user tasks, gateways and timer events.")
        elif ns == BPMN_NS and tag.endswith("EventDefinition") and tag not in _EVENT_DEFS_OK:
            report(_owner_id(el), f"Không hỗ trợ sự kiện loại {tag}.", f"{tag} is not supported.",
                   "Chỉ dùng sự kiện không loại, hẹn giờ (timeDuration/timeDate) hoặc kết thúc (terminate).",
                   "Use none, timer (timeDuration/timeDate) or terminate events only.")
        elif ns == BPMN_NS and tag == "conditionExpression":
            lang = (el.get("language") or "").strip().lower()
            if lang and lang != "none" and "python" not in lang:
                report(_owner_id(el), f"Điều kiện viết bằng ngôn ngữ '{lang}': không được phép.",
                       f"Condition language '{lang}' is not allowed.",
                       "Bỏ thuộc tính language; viết điều kiện là biểu thức logic, ví dụ approved == True.",
                       "Drop the language attribute; write a boolean expression such as approved == True.")
        elif ns == SPIFF_NS and tag in _SPIFF_CODE:
            report(_owner_id(el), f"Không được dùng spiffworkflow:{tag}: phần mở rộng này chạy mã. Không cho phép script; "
                   "điều kiện phải là biểu thức logic.",
                   f"spiffworkflow:{tag} runs code: scripts are not allowed; conditions must be boolean expressions.")
        elif ns == SPIFF_NS and tag not in _SPIFF_OK:
            report(_owner_id(el), f"Phần mở rộng spiffworkflow:{tag} bị bỏ qua.", f"spiffworkflow:{tag} is ignored.",
                   "Có thể xoá phần mở rộng này.", "You may remove this extension.", WARNING)
        elif ns and _VENDOR_NS.search(ns):
            report(_owner_id(el), f"Phần mở rộng của hãng khác '{tag}' ({ns}) có thể chứa mã: không được phép.",
                   f"Vendor extension '{tag}' ({ns}) may carry code: not allowed.")
        for attr in el.attrib:
            a_ns, a_name = etree.QName(attr).namespace, etree.QName(attr).localname
            if a_ns and _VENDOR_NS.search(a_ns) and a_name in _VENDOR_CODE_ATTRS:
                report(_owner_id(el), f"Thuộc tính '{a_name}' của hãng khác chỉ định mã cần chạy: không được phép.",
                       f"Vendor attribute '{a_name}' names code to run: not allowed.")

    participants = tuple((p.get("id"), p.get("name"), p.get("processRef"))
                         for p in _bpmn(root, "./bpmn:collaboration/bpmn:participant"))
    processes = {}
    for proc in _bpmn(root, "./bpmn:process"):
        process = _build_process(proc, filename, report)
        processes[process.id] = process
    has_diagram = bool(_bpmn(root, "./bpmndi:BPMNDiagram"))
    if not has_diagram:
        report(None, "Tệp BPMN không có sơ đồ (bpmndi).", "The BPMN file has no diagram (bpmndi).",
               "Lưu lại tệp từ trình vẽ BPMN để có phần sơ đồ.", "Save the file from a BPMN modeller.", WARNING)
    return BpmnModel(processes, participants, has_diagram, tuple(problems))


def _build_process(proc: etree._Element, filename: str, report) -> Process:
    lanes: list[Lane] = []

    def walk_lanes(parent):
        for lane in _bpmn(parent, "./bpmn:laneSet/bpmn:lane | ./bpmn:childLaneSet/bpmn:lane"):
            children = _bpmn(lane, "./bpmn:childLaneSet/bpmn:lane")
            refs = tuple((r.text or "").strip() for r in _bpmn(lane, "./bpmn:flowNodeRef"))
            lanes.append(Lane(lane.get("id"), lane.get("name"), refs, not children))
            walk_lanes(lane)

    walk_lanes(proc)
    leaf_of: dict[str, list[str]] = {}
    for lane in lanes:
        if lane.is_leaf:
            for ref in lane.flow_node_refs:
                leaf_of.setdefault(ref, []).append(lane.name or lane.id)

    flows: dict[str, SequenceFlow] = {}
    for f in _bpmn(proc, "./bpmn:sequenceFlow"):
        cond = _bpmn(f, "./bpmn:conditionExpression")
        text = (cond[0].text or "").strip() if cond else None
        flows[f.get("id")] = SequenceFlow(f.get("id"), f.get("sourceRef"), f.get("targetRef"), f.get("name"),
                                          text, cond[0].get("language") if cond else None, f.sourceline)
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for f in flows.values():
        incoming.setdefault(f.target, []).append(f.id)
        outgoing.setdefault(f.source, []).append(f.id)
    nodes: dict[str, FlowNode] = {}
    for el in proc:
        if not isinstance(el.tag, str):
            continue
        ns, tag = _local(el)
        if ns != BPMN_NS or tag in _NOT_FLOW_NODES:
            continue
        node_id = el.get("id")
        props: dict[str, str] = {}
        for prop in _bpmn(el, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"):
            name, value = prop.get("name"), prop.get("value")
            if name is None or value is None:
                report(node_id, "Thuộc tính spiffworkflow:property thiếu name hoặc value.",
                       "spiffworkflow:property lacks name or value.", "Ghi đủ name=\"...\" và value=\"...\".",
                       'Give both name="..." and value="...".')
                continue
            props[name] = value
        timer = None
        for kind, xml_tag in (("duration", "timeDuration"), ("date", "timeDate"), ("cycle", "timeCycle")):
            found = _bpmn(el, f"./bpmn:timerEventDefinition/bpmn:{xml_tag}")
            if found:
                expr = (found[0].text or "").strip()
                timer = Timer(kind, expr, _timer_literal(expr))
                break
        event_defs = tuple(_local(d)[1] for d in el if isinstance(d.tag, str) and _local(d)[1].endswith("EventDefinition"))
        in_lanes = tuple(leaf_of.get(node_id, ()))
        nodes[node_id] = FlowNode(
            id=node_id, tag=tag, name=el.get("name"), lane=in_lanes[0] if len(in_lanes) == 1 else None, lanes=in_lanes,
            properties=props, incoming=tuple(incoming.get(node_id, ())), outgoing=tuple(outgoing.get(node_id, ())),
            default_flow=el.get("default"),
            timer=timer, event_definitions=event_defs, attached_to=el.get("attachedToRef"),
            cancel_activity=el.get("cancelActivity", "true") != "false", line=el.sourceline)
    for f in flows.values():
        for end, ref in (("nguồn", f.source), ("đích", f.target)):
            if ref not in nodes:
                report(f.id, f"Luồng {f.id} có {end} '{ref}' không tồn tại trong quy trình.",
                       f"Flow {f.id} refers to missing node '{ref}'.", "Nối lại luồng vào một phần tử có thật.",
                       "Reconnect the flow to an existing element.")
    return Process(proc.get("id"), proc.get("name"), proc.get("isExecutable") == "true", tuple(lanes), nodes, flows)


def load_model(data: bytes, filename: str = "process.bpmn") -> tuple[etree._Element, BpmnModel]:
    """Parse safely and build the model in one go (PackageError if the XML itself is refused)."""
    root = parse_bpmn_xml(data, filename)
    return root, build_model(root, filename)
