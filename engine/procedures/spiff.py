"""SpiffWorkflow integration that never runs designer Python.

Spiff evaluates gateway conditions, timer values and loop conditions through its script engine, and
some code paths call ``script_engine.environment.evaluate`` directly; both are replaced here so every
evaluation goes through ``engine.procedures.expressions`` and every script or service call is refused.

Error choice: inside a workflow, a failing condition raises SpiffWorkflow's ``WorkflowTaskException``
(so Spiff attaches the task and its trace as for any task error), chained ``from`` the original
``ExpressionError``/``UnsafeExpression``, which is also kept as ``exc.motcua_error`` for the web layer.
Evaluation outside a task (environment level) raises our errors directly.
"""

from __future__ import annotations

import re
import threading
from collections import ChainMap
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.errors import ExpressionError, PackageError, UnsafeExpression
from engine.procedures.bpmn import build_model, parse_bpmn_xml
from engine.procedures import expressions
from engine.procedures.problems import Problem

# A bare ISO 8601 duration/date in a timer (``PT4H`` rather than the Python literal ``"PT4H"``): designers write
# both; the bare form is taken as the string itself instead of an unknown variable.
_ISO_LITERAL = re.compile(r"P(?=\d|T\d)[0-9YMWDTHS.]+|\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")


def _script_refused(what: str) -> UnsafeExpression:
    return UnsafeExpression(
        f"Không được chạy {what}: máy chủ không chạy mã từ tệp BPMN.",
        message_en=f"Refused to run {what}: the server runs no code from a BPMN file.",
        details={"construct": what},
    )


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Expression environment over task data; scripts and services are refused."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        text = (expression or "").strip()
        if _ISO_LITERAL.fullmatch(text):
            return text
        return expressions.evaluate(expression, ChainMap(context or {}, external_context or {}))

    def execute(self, script, context, external_context=None):
        raise _script_refused("script")

    def call_service(self, context, **kwargs):
        raise _script_refused("service task")


class SafeScriptEngine(PythonScriptEngine):
    """A PythonScriptEngine in name only: it evaluates safe expressions and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(environment=SafeEnvironment())

    def validate(self, expression: str) -> None:
        expressions.compile_expression(expression)

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except (ExpressionError, UnsafeExpression) as err:
            raise _task_error(task, err) from err

    def execute(self, task, script, external_context=None):
        raise _task_error(task, _script_refused("script"))

    def call_service(self, task, **kwargs):
        raise _task_error(task, _script_refused("service task"))


def _task_error(task, err) -> WorkflowTaskException:
    wte = WorkflowTaskException(err.message, task=task, exception=err)
    wte.motcua_error = err
    return wte


SCRIPT_ENGINE = SafeScriptEngine()
_PARSE_LOCK = threading.Lock()


def parse_process(bpmn_xml: bytes, process_id: str, *, filename: str = "process.bpmn", check_safety: bool = True,
                  validate_schema: bool = True) -> tuple[BpmnProcessSpec, dict]:
    """Parse untrusted BPMN with SpiffBpmnParser; return ``(spec, subprocess_specs)``.

    Raises PackageError whose ``details`` is a list of problem dicts: unsafe XML, refused constructs (when
    ``check_safety``: defence in depth for callers that skip the validator), or Spiff's own validation error.
    """
    root = parse_bpmn_xml(bpmn_xml, filename)
    if check_safety:
        refused = [p for p in build_model(root, filename).problems if p.is_error]
        if refused:
            raise PackageError(
                f"Tệp {filename} có {len(refused)} phần tử bị từ chối: " + "; ".join(str(p) for p in refused[:3]),
                message_en=f"{filename} has {len(refused)} refused element(s).",
                details=[p.to_dict() for p in refused],
            )
    parser = SpiffBpmnParser(validator=VALIDATOR if validate_schema else None)
    try:
        with _PARSE_LOCK:  # Spiff's shared XSD validator keeps its error log on the object
            parser.add_bpmn_xml(root, filename)
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as exc:
        element = exc.id or None
        line = f" (dòng {exc.line_number})" if exc.line_number else ""
        problem = Problem(
            filename, element, f"SpiffWorkflow không đọc được quy trình{line}: {exc}",
            "Mở tệp bằng trình vẽ BPMN, sửa phần tử được chỉ ra rồi lưu lại.",
            f"SpiffWorkflow cannot parse the process{line}: {exc}",
            fix_en="Open the file in a BPMN modeller, fix the element named and save it again.",
        )
        raise PackageError(problem.message, message_en=problem.message_en, details=[problem.to_dict()]) from exc
    except Exception as exc:  # noqa: BLE001 - Spiff raises bare KeyError/AttributeError on odd input
        problem = Problem(filename, None, f"SpiffWorkflow không đọc được quy trình: {type(exc).__name__}: {exc}",
                          "Mở tệp bằng trình vẽ BPMN và lưu lại.", f"SpiffWorkflow cannot parse the process: {exc!r}")
        raise PackageError(problem.message, message_en=problem.message_en, details=[problem.to_dict()]) from exc
    return spec, subprocess_specs


def new_workflow(spec: BpmnProcessSpec, subprocess_specs: dict | None = None) -> BpmnWorkflow:
    """A fresh workflow that evaluates only safe expressions."""
    return BpmnWorkflow(spec, subprocess_specs or {}, script_engine=SCRIPT_ENGINE)


def secure_workflow(workflow: BpmnWorkflow) -> BpmnWorkflow:
    """Re-attach the safe engine: Spiff's deserializer gives restored workflows the default (eval-based) engine."""
    workflow.script_engine = SCRIPT_ENGINE  # sub-workflows use their top workflow's engine
    return workflow


def step_properties(task_spec) -> dict[str, str]:
    """The ``spiffworkflow:property`` values of a task spec (``deadline``, ``outcome``...)."""
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties") or {})


def lane_of(task_spec) -> str | None:
    """Name of the BPMN lane holding the task spec (None outside lanes or for Spiff's internal specs)."""
    return getattr(task_spec, "lane", None)
