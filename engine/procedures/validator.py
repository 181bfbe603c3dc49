"""Package validation: every problem at once, each naming the file, the element and how to fix it.

Checks run in layers (card, safe XML, refused constructs, lanes, steps, gateways, forms, deadline budget,
SpiffWorkflow parse) and each layer goes as far as the earlier ones allow, so one broken file does not
hide the problems of the others.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from engine.clock.durations import WorkDuration, parse_duration
from engine.enums import EndOutcome
from engine.errors import InvalidDuration, PackageError, UnsafeExpression
from engine.procedures.bpmn import FLOW_NODE_TAGS, REFUSED_TAGS, BpmnModel, Process, build_model, parse_bpmn_xml
from engine.procedures.card import (
    CARD_FILE,
    PackageParts,
    ProcedureCard,
    ProcedurePackage,
    build_package,
    collect_package,
    read_package_dir,
)
from engine.procedures.expressions import compile_expression
from engine.procedures.form_schemas import form_problems
from engine.procedures.problems import ERROR, WARNING, Problem
from engine.procedures.spiff import parse_process

_GATEWAYS = {"exclusiveGateway", "inclusiveGateway"}


def validate_package(path_or_package: Path | str | ProcedurePackage) -> list[Problem]:
    """All problems of a package folder (or an already loaded package); empty list = publishable."""
    return _validate(*_collect(path_or_package))


def validate_or_raise(path: Path | str) -> ProcedurePackage:
    """Validate a folder and load it; PackageError(details=[problem dicts]) listing every error."""
    parts, problems = _collect(path)
    problems = _validate(parts, problems)
    return build_package(parts, problems)


def validate_files(files: dict[str, bytes], slug: str) -> tuple[PackageParts, list[Problem]]:
    """The same checks on in-memory files (a draft, a zip): the parts read and every problem."""
    parts, problems = collect_package(files, slug)
    return parts, _validate(parts, problems)


def _collect(source) -> tuple[PackageParts, list[Problem]]:
    if isinstance(source, ProcedurePackage):
        parts = PackageParts(source.slug, source.path, source.card, source.card_bytes, source.bpmn_filename,
                             source.bpmn_xml, dict(source.forms), dict(source.form_bytes))
        return parts, list(source.warnings)
    path = Path(source)
    return collect_package(read_package_dir(path), path.name, path)


def _validate(parts: PackageParts, problems: list[Problem]) -> list[Problem]:
    for task_id, schema in parts.forms.items():
        problems.extend(form_problems(task_id, schema))
    if parts.bpmn_xml is not None:
        fname = parts.bpmn_filename
        try:
            root = parse_bpmn_xml(parts.bpmn_xml, fname)
        except PackageError as exc:
            problems.append(Problem(fname, None, exc.message, "Lưu lại tệp từ trình vẽ BPMN, không sửa tay.",
                                    exc.message_en, fix_en="Save the file again from a BPMN modeller."))
        else:
            model = build_model(root, fname)
            problems.extend(model.problems)
            checker = _Checker(model, parts.card, parts.forms, fname)
            problems.extend(checker.run())
            if checker.process is not None:
                problems.extend(_spiff_problems(parts.bpmn_xml, checker.process.id, fname, problems))
    unique: dict[tuple, Problem] = {}
    for p in problems:
        unique.setdefault((p.file, p.element_id, p.message), p)
    return list(unique.values())


def _spiff_problems(bpmn_xml: bytes, process_id: str, fname: str, known: list[Problem]) -> list[Problem]:
    """SpiffWorkflow must parse the package too. It stops at its first complaint, which restates one of ours
    when our checks already found errors in the BPMN, so it only runs on a BPMN we found clean."""
    if any(p.is_error and p.file == fname for p in known):
        return []
    try:
        parse_process(bpmn_xml, process_id, filename=fname, check_safety=False)
    except PackageError as exc:
        return [Problem(**d) for d in exc.details]
    return []


def longest_deadline_path(model: BpmnModel | Process, process_id: str | None = None) -> tuple[int, list[str]]:
    """Working minutes and user-task ids of the start→end path with the largest sum of step deadlines.

    Parallel branches run together, so the longest branch is what counts (a longest path in the graph);
    loops are cut at their back-edges (found by depth-first search from the start events).
    """
    process = _pick_process(model, process_id)
    if process is None:
        return 0, []
    nodes, succ = process.nodes, process.successors()
    weight = {n.id: _deadline_minutes(n) for n in nodes.values()}
    starts = [n.id for n in nodes.values() if n.tag == "startEvent"] or [n for n in nodes if not nodes[n].incoming]
    order, back = _dfs_order(starts, succ)
    dist = {n: None for n in nodes}
    pred: dict[str, str] = {}
    for s in starts:
        dist[s] = weight[s]
    for n in order:
        if dist[n] is None:
            continue
        for t in succ[n]:
            if (n, t) not in back and (dist[t] is None or dist[n] + weight[t] > dist[t]):
                dist[t], pred[t] = dist[n] + weight[t], n
    ends = [n for n in order if nodes[n].tag == "endEvent"] or [n for n in order if not succ[n]] or order
    if not ends:
        return 0, []
    best = max(ends, key=lambda n: dist[n] or 0)
    path = [best]
    while path[-1] in pred:
        path.append(pred[path[-1]])
    return dist[best] or 0, [n for n in reversed(path) if nodes[n].tag == "userTask"]


def _dfs_order(starts: list[str], succ: dict[str, list[str]]) -> tuple[list[str], set[tuple[str, str]]]:
    """Reverse post-order (a topological order once back-edges are removed) and the back-edges."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    post: list[str] = []
    back: set[tuple[str, str]] = set()
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(succ.get(start, ())))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(succ.get(child, ()))))
                    break
            else:
                stack.pop()
                state[node] = 2
                post.append(node)
    return post[::-1], back


def _deadline_minutes(node) -> int:
    if node.tag != "userTask":
        return 0
    try:
        duration = parse_duration(node.properties.get("deadline", ""))
    except InvalidDuration:
        return 0
    return 0 if duration.same_day else duration.minutes


def _pick_process(model: BpmnModel | Process, process_id: str | None) -> Process | None:
    if isinstance(model, Process):
        return model
    if process_id is not None:
        return model.processes.get(process_id)
    executable = [p for p in model.processes.values() if p.executable]
    return executable[0] if len(executable) == 1 else None


class _Checker:
    """BPMN checks against the card; ``run`` returns the problems, ``process`` is the process checked."""

    def __init__(self, model: BpmnModel, card: ProcedureCard | None, forms: dict, fname: str):
        self.model, self.card, self.forms, self.fname = model, card, forms, fname
        self.out: list[Problem] = []
        self.process: Process | None = None

    def bad(self, element, vi, fix, en, fix_en="", severity=ERROR, file=None) -> None:
        self.out.append(Problem(file or self.fname, element, vi, fix, en, severity, fix_en))

    def run(self) -> list[Problem]:
        wanted = self.card.process if self.card else None
        self.process = _pick_process(self.model, wanted)
        if self.process is None:
            if wanted or not self.card:
                ids = ", ".join(self.model.processes) or "(không có)"
                self.bad(wanted, f"Không tìm thấy quy trình '{wanted}' trong tệp BPMN (đang có: {ids}).",
                         "Sửa 'process' trong procedure.toml cho khớp id của bpmn:process.",
                         f"Process '{wanted}' not found in the BPMN (present: {ids}).")
            return self.out
        p = self.process
        if not p.executable:
            self.bad(p.id, "Quy trình không được đánh dấu thực thi.", 'Đặt isExecutable="true" cho bpmn:process.',
                     "The process is not executable.")
        if self.model.participants and p.id not in {ref for _, _, ref in self.model.participants}:
            self.bad(p.id, "Không có participant nào trỏ tới quy trình này.", "Đặt processRef của participant.",
                     "No collaboration participant refers to this process.", severity=WARNING)
        self.lanes()
        self.nodes()
        self.flows()
        self.reachability()
        self.form_files()
        self.budget()
        return self.out

    def lanes(self) -> None:
        p, card_lanes = self.process, (self.card.lanes if self.card else None)
        leaves = [lane for lane in p.lanes if lane.is_leaf]
        if not leaves:
            self.bad(p.id, "Quy trình không có làn (lane) nào: không biết ai chịu trách nhiệm từng bước.",
                     "Thêm một laneSet với mỗi làn cho một bộ phận.", "The process has no lanes.")
        names: dict[str, str] = {}
        for lane in leaves:
            if not lane.name:
                self.bad(lane.id, "Làn không có tên.", "Đặt tên làn trùng với khoá trong [lanes].", "Lane has no name.")
                continue
            if lane.name in names:
                self.bad(lane.id, f"Hai làn cùng tên '{lane.name}'.", "Đặt tên làn khác nhau.", "Duplicate lane name.")
            names[lane.name] = lane.id
            for ref in lane.flow_node_refs:
                if ref not in p.nodes:
                    self.bad(lane.id, f"Làn '{lane.name}' chứa phần tử '{ref}' không tồn tại.", "Xoá flowNodeRef thừa.",
                             f"Lane refers to missing element '{ref}'.")
            if card_lanes is not None and lane.name not in card_lanes:
                self.bad(lane.id, f"Làn '{lane.name}' chưa được gán vai trò trong procedure.toml.",
                         f'Thêm "{lane.name}" = "vai_trò" vào bảng [lanes].', f"Lane '{lane.name}' is not mapped to a role.",
                         severity=ERROR if lane.flow_node_refs else WARNING)
        for name in card_lanes or {}:
            if name not in names:
                self.bad(f"lanes.{name}", f"Làn '{name}' khai trong procedure.toml nhưng không có trong BPMN.",
                         f"Sửa tên cho khớp một làn của sơ đồ ({', '.join(names) or 'không có'}) hoặc xoá dòng.",
                         f"Lane '{name}' is mapped in the card but absent from the BPMN.", file=CARD_FILE)

    def nodes(self) -> None:
        nodes = self.process.nodes.values()
        for kind, vi in (("startEvent", "sự kiện bắt đầu"), ("endEvent", "sự kiện kết thúc")):
            count = sum(n.tag == kind for n in nodes)
            if count == 0 or (kind == "startEvent" and count > 1):
                self.bad(self.process.id, f"Quy trình phải có {'đúng một' if kind == 'startEvent' else 'ít nhất một'} {vi} "
                         f"(đang có {count}).", f"Sửa số {vi} trên sơ đồ.", f"Wrong number of {kind} ({count}).")
        for n in nodes:
            if n.tag not in FLOW_NODE_TAGS:
                if n.tag not in REFUSED_TAGS:
                    self.bad(n.id, f"Phần tử {n.tag} chưa được hỗ trợ.", "Dùng userTask, gateway, sự kiện bắt đầu/kết thúc/hẹn giờ.",
                             f"{n.tag} is not supported.")
                continue
            if len(n.lanes) > 1:
                self.bad(n.id, f"'{n.id}' nằm trong nhiều làn: {', '.join(n.lanes)}.", "Để mỗi phần tử trong đúng một làn.",
                         "Element is in more than one lane.")
            elif not n.lanes and self.process.lanes:
                self.bad(n.id, f"'{n.id}' không nằm trong làn nào" + (": không biết ai được làm bước này." if
                         n.tag == "userTask" else "."), "Kéo phần tử vào làn của bộ phận chịu trách nhiệm.",
                         "Element is outside every lane.", severity=ERROR if n.tag == "userTask" else WARNING)
            getattr(self, f"node_{n.tag}", lambda _n: None)(n)
            if n.timer is not None:
                self.timer(n)

    def node_userTask(self, n) -> None:
        deadline = n.properties.get("deadline")
        fix = '<spiffworkflow:property name="deadline" value="PT4H"/> (PnD ngày, PTnH giờ làm việc)'
        if deadline is None:
            self.bad(n.id, f"Bước '{n.name or n.id}' không có thời hạn (deadline).", "Thêm " + fix,
                     "User task has no deadline property.")
            return
        try:
            duration = parse_duration(deadline)
        except InvalidDuration as exc:
            self.bad(n.id, exc.message, "Sửa thành " + fix, exc.message_en)
            return
        if duration.same_day or duration.minutes <= 0:
            self.bad(n.id, f"Thời hạn bước '{deadline}' không dùng được: cần số giờ/ngày làm việc dương.",
                     "Ví dụ PT4H hoặc P1D.", f"Step deadline '{deadline}' must be a positive working duration.")

    def node_endEvent(self, n) -> None:
        outcome = n.properties.get("outcome", EndOutcome.RESOLVED.value)
        if outcome not in set(EndOutcome):
            self.bad(n.id, f"Kết quả (outcome) '{outcome}' không hợp lệ.", f"Dùng {' hoặc '.join(EndOutcome)}.",
                     f"Invalid end outcome '{outcome}'.")

    def node_startEvent(self, n) -> None:
        if n.event_definitions:
            self.bad(n.id, "Sự kiện bắt đầu phải là loại thường: hồ sơ bắt đầu khi được tiếp nhận.",
                     "Bỏ định nghĩa sự kiện khỏi startEvent.", "The start event must be a none start event.")

    def node_intermediateCatchEvent(self, n) -> None:
        if n.timer is None and not n.event_definitions:
            self.bad(n.id, "Sự kiện chờ không có hẹn giờ: quy trình sẽ dừng mãi.", "Thêm timerEventDefinition.",
                     "Catch event without a timer would wait forever.")

    def node_boundaryEvent(self, n) -> None:
        host = self.process.nodes.get(n.attached_to)
        if host is None or host.tag != "userTask":
            self.bad(n.id, "Sự kiện biên phải gắn vào một userTask.", "Gắn sự kiện hẹn giờ vào bước của cán bộ.",
                     "A boundary event must be attached to a user task.")
        elif n.timer is None and not n.event_definitions:
            self.bad(n.id, "Sự kiện biên không có hẹn giờ.", "Thêm timerEventDefinition.", "Boundary event without timer.")

    def timer(self, n) -> None:
        t = n.timer
        if t.kind == "cycle":
            return  # reported as refused
        ok = False
        if t.literal is not None:
            try:
                ok = not parse_duration(t.literal).same_day if t.kind == "duration" else bool(datetime.fromisoformat(t.literal))
            except (InvalidDuration, ValueError):
                ok = False
        elif t.expression:
            try:
                compile_expression(t.expression)
                ok = True
            except UnsafeExpression:
                ok = False
        if not ok:
            example = '"PT4H" (giờ làm việc) hoặc "P2D"' if t.kind == "duration" else '"2026-01-31T17:00:00+07:00"'
            self.bad(n.id, f"Hẹn giờ '{t.expression}' không hợp lệ.", f"Ghi {example}.", f"Invalid timer '{t.expression}'.")

    def flows(self) -> None:
        p = self.process
        for f in p.flows.values():
            source = p.nodes.get(f.source)
            if f.condition is None:
                continue
            try:
                expr = compile_expression(f.condition)
            except UnsafeExpression as exc:
                self.bad(f.id, f"Điều kiện của luồng {f.id}: {exc.message}",
                         "Viết biểu thức logic trên dữ liệu hồ sơ, ví dụ approved == True hoặc area_m2 > 250.",
                         f"Condition of flow {f.id}: {exc.message_en}")
                continue
            if not expr.maybe_boolean:
                self.bad(f.id, f"Điều kiện '{f.condition}' của luồng {f.id} không phải biểu thức logic.",
                         "Dùng phép so sánh, ví dụ fee > 0.", f"Condition of flow {f.id} is not a boolean expression.")
            if source is not None and source.tag not in _GATEWAYS:
                self.bad(f.id, f"Luồng {f.id} có điều kiện nhưng không đi ra từ exclusive/inclusive gateway.",
                         "Đặt điều kiện trên các luồng ra của một gateway.", "Condition on a flow not leaving a gateway.")
            elif source is not None and source.default_flow == f.id:
                self.bad(f.id, f"Luồng mặc định {f.id} có điều kiện: điều kiện bị bỏ qua.", "Xoá điều kiện của luồng mặc định.",
                         "The default flow's condition is ignored.", severity=WARNING)
        for g in p.nodes.values():
            if g.tag in _GATEWAYS:
                self.gateway(g)

    def gateway(self, g) -> None:
        flows = [self.process.flows[i] for i in g.outgoing]
        if g.default_flow and g.default_flow not in g.outgoing:
            self.bad(g.id, f"Luồng mặc định '{g.default_flow}' không phải luồng ra của gateway.", "Chọn lại luồng mặc định.",
                     "The default flow does not leave this gateway.")
        if len(flows) < 2:
            return
        bare = [f.id for f in flows if f.condition is None and f.id != g.default_flow]
        if bare and not g.default_flow:
            self.bad(g.id, f"Gateway '{g.name or g.id}' có {len(flows)} luồng ra nhưng không có luồng mặc định và "
                     f"các luồng {', '.join(bare)} không có điều kiện.",
                     "Ghi điều kiện cho mọi luồng ra (ví dụ approved == True) hoặc chọn một luồng mặc định.",
                     "Exclusive gateway with several outgoing flows needs conditions on all flows or a default flow.")
        elif bare:
            for fid in bare:
                self.bad(fid, f"Luồng {fid} ra khỏi gateway không có điều kiện và không phải luồng mặc định.",
                         "Ghi điều kiện cho luồng này.", "Flow leaving a gateway has no condition and is not the default.")

    def reachability(self) -> None:
        p = self.process
        order, _ = _dfs_order([n.id for n in p.nodes.values() if n.tag == "startEvent"], p.successors())
        reached = set(order)
        for n in p.nodes.values():
            if n.tag not in FLOW_NODE_TAGS:
                continue
            if n.id not in reached and n.tag != "startEvent":
                self.bad(n.id, f"Không đi tới được '{n.name or n.id}' từ sự kiện bắt đầu.", "Nối phần tử vào luồng hoặc xoá.",
                         "Element is unreachable from the start event.", severity=WARNING)
            if not n.outgoing and n.tag != "endEvent":
                self.bad(n.id, f"Luồng dừng ở '{n.name or n.id}' mà không có sự kiện kết thúc.",
                         "Nối tiếp tới một endEvent (resolved hoặc refused).", "Flow stops without an end event.")

    def form_files(self) -> None:
        tasks = {n.id for n in self.process.nodes.values() if n.tag == "userTask"}
        for task_id in self.forms:
            if task_id not in tasks:
                self.bad(task_id, f"Biểu mẫu cho bước '{task_id}' nhưng quy trình không có userTask nào mã đó.",
                         f"Đổi tên tệp theo mã một userTask ({', '.join(sorted(tasks)) or 'không có'}).",
                         f"Form for unknown user task '{task_id}'.", file=f"forms/{task_id}.json")

    def budget(self) -> None:
        if self.card is None:
            return
        total, path = longest_deadline_path(self.process)
        allowed = self.card.statutory_duration.budget_minutes
        if total > allowed:
            sum_vi = WorkDuration(minutes=total).describe_vi()
            allowed_vi = self.card.statutory_duration.describe_vi()
            self.bad(self.process.id, f"Tổng thời hạn các bước trên đường dài nhất ({' → '.join(path)}) là {sum_vi} "
                     f"({total} phút), vượt thời hạn giải quyết {allowed_vi} ({allowed} phút).",
                     "Giảm deadline của các bước trên đường này hoặc sửa statutory_duration cho đúng quy định.",
                     f"Step deadlines along the longest path ({' → '.join(path)}) sum to {total} working minutes, "
                     f"more than the statutory {allowed} minutes.")
