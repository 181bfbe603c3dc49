"""SpiffWorkflow at run time: compiled specs cached per published version, and workflow state
serialised WITHOUT its spec (the spec is shared by every dossier of a version)."""

from __future__ import annotations

import json
import threading
import weakref
import zlib
from dataclasses import dataclass, field
from uuid import UUID

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState as SpiffState

from engine.clock.durations import WorkDuration, parse_duration
from engine.db.models import ProcedureVersion
from engine.dossiers.workflow_data import escape_state, is_escaped, unescape_workflow
from engine.enums import EndOutcome
from engine.procedures.card import LaneRule, ProcedurePackage, load_package_from_files
from engine.procedures.form_schemas import form_validator
from engine.procedures.spiff import SCRIPT_ENGINE, lane_of, parse_process, step_properties

STATE_COMPRESSION_LEVEL = 6
# Timers never fire on Spiff's wall clock: the sweep fires them on working time (engine.worker.sweep).
NEVER = "9999-12-31T00:00:00+00:00"
FIRE_NOW = "2000-01-01T00:00:00+00:00"


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = _SpecFreeWorkflowConverter
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)


@dataclass(frozen=True)
class CompiledProcedure:
    version_id: int
    package: ProcedurePackage
    spec: object
    subprocess_specs: dict
    # Built on first use: building a validator costs as much as validating a form, and a version never changes.
    _validators: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def card(self):
        return self.package.card

    def lane_rule(self, lane: str) -> LaneRule:
        return self.card.lanes[lane]

    def deadline(self, task_spec) -> WorkDuration:
        return parse_duration(step_properties(task_spec)["deadline"])

    def form(self, step_id: str) -> dict | None:
        return self.package.forms.get(step_id)

    def form_validator(self, step_id: str) -> Draft202012Validator | None:
        if step_id not in self._validators:
            schema = self.form(step_id)
            self._validators[step_id] = None if schema is None else schema_validator(schema)
        return self._validators[step_id]


def schema_validator(schema: dict) -> Draft202012Validator:
    """How a step's form data is checked: JSON Schema 2020-12 with its formats (dates, emails) enforced, its
    patterns on RE2 (linear time) and no reference resolved outside the form (engine.procedures.form_schemas)."""
    return form_validator(schema)


def version_files(version: ProcedureVersion) -> dict[str, bytes]:
    files = {"procedure.toml": version.card_toml, version.bpmn_filename: version.bpmn_xml}
    for step_id, text in (version.forms or {}).items():
        files[f"forms/{step_id}.json"] = text.encode()
    return files


class SpecCache:
    """Parsed specs by content hash: parsing BPMN is the expensive part and versions never change."""

    def __init__(self):
        self._by_hash: dict[str, CompiledProcedure] = {}
        # Per database (engine), version id -> compiled: ids are only unique within one database.
        self._by_id: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def known(self, bind, version_id: int) -> CompiledProcedure | None:
        return self._by_id.get(bind, {}).get(version_id)

    def remember(self, bind, version_id: int, compiled: CompiledProcedure) -> None:
        with self._lock:
            self._by_id.setdefault(bind, {})[version_id] = compiled

    def get(self, version: ProcedureVersion) -> CompiledProcedure:
        compiled = self._by_hash.get(version.content_hash)
        if compiled is None or compiled.version_id != version.id:
            package = load_package_from_files(version_files(version), version.procedure.slug)
            spec, subprocess_specs = parse_process(package.bpmn_xml, package.card.process)
            compiled = CompiledProcedure(version.id, package, spec, subprocess_specs)
            with self._lock:
                self._by_hash[version.content_hash] = compiled
        return compiled


SPEC_CACHE = SpecCache()


def start_workflow(compiled: CompiledProcedure, data: dict) -> BpmnWorkflow:
    workflow = BpmnWorkflow(compiled.spec, compiled.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.data.update(data)
    workflow.task_tree.data.update(data)
    for task in workflow.get_tasks(state=SpiffState.READY):
        task.data.update(data)
    advance(workflow)
    return workflow


def advance(workflow: BpmnWorkflow) -> None:
    workflow.do_engine_steps()
    _hold_timers(workflow)


def dump_state(workflow: BpmnWorkflow) -> bytes:
    _REGISTRY._encoder_mode = True
    try:
        text = json.dumps(escape_state(_SERIALIZER.to_dict(workflow)), cls=_SERIALIZER._encoder_cls,
                          separators=(",", ":"))
    finally:
        _REGISTRY._encoder_mode = False
    return zlib.compress(text.encode(), STATE_COMPRESSION_LEVEL)


def load_state(blob: bytes, compiled: CompiledProcedure) -> BpmnWorkflow:
    dct = json.loads(zlib.decompress(blob))
    escaped = is_escaped(dct)
    workflow = _REGISTRY.restore(dct, spec=compiled.spec, subprocess_specs=compiled.subprocess_specs)
    if escaped:  # user data keys SpiffWorkflow would have read as its own (engine.dossiers.workflow_data)
        unescape_workflow(workflow)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return [t for t in workflow.get_tasks(state=SpiffState.READY) if t.task_spec.manual]


def waiting_timers(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return [
        t for t in workflow.get_tasks(state=SpiffState.WAITING)
        if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)
    ]


def timer_expression(task: SpiffTask) -> tuple[str, str]:
    """(kind, value) of a waiting timer: kind is 'duration' or 'date'; the value is already evaluated."""
    definition = task.task_spec.event_definition
    value = SCRIPT_ENGINE.evaluate(task, definition.expression)
    kind = "duration" if type(definition).__name__.startswith("Duration") else "date"
    return kind, str(value)


def _hold_timers(workflow: BpmnWorkflow) -> None:
    for task in waiting_timers(workflow):
        if not task._get_internal_data("motcua_fire"):
            task._set_internal_data(event_value=NEVER)


def fire_timer(workflow: BpmnWorkflow, workflow_task_id: str) -> bool:
    """Fire one waiting timer now; False when it is no longer waiting (cancelled or already fired)."""
    task = workflow.get_task_from_id(UUID(workflow_task_id))
    if task is None or task.state != SpiffState.WAITING:
        return False
    task._set_internal_data(event_value=FIRE_NOW, motcua_fire=True)
    workflow.refresh_timers()
    advance(workflow)
    return True


def task_lane(task: SpiffTask) -> str:
    return lane_of(task.task_spec)


def end_outcome(workflow: BpmnWorkflow) -> EndOutcome:
    """Which end was reached: a refusal end event carries the property outcome=refused."""
    for task in workflow.get_tasks(state=SpiffState.COMPLETED):
        if isinstance(task.task_spec, EndEvent):
            if step_properties(task.task_spec).get("outcome") == EndOutcome.REFUSED:
                return EndOutcome.REFUSED
    return EndOutcome.RESOLVED
