"""(a) SpiffWorkflow alone, in memory: the procedure's parsed spec, every user task completed with the same
form data as the service layer uses, no database, no serialisation. The engine's safe expression evaluator
stands in for Spiff's Python one (gateway conditions are the same expressions either way).

Beside it, the issue's naive design, still in memory and with no database: before every step the workflow
is serialised WITH its spec by SpiffWorkflow's stock serializer and deserialised again, as a design storing
the whole workflow per dossier and loading it per request would."""

from __future__ import annotations

import time

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bench.common import ANSWERS, DATA, PROCEDURE_DIR
from engine.procedures.card import load_package
from engine.procedures.spiff import SCRIPT_ENGINE, parse_process


def run(dossiers: int, naive: bool = False) -> dict:
    package = load_package(PROCEDURE_DIR)
    spec, subprocess_specs = parse_process(package.bpmn_xml, package.card.process)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    steps = 0
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(dossiers):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
        workflow.do_engine_steps()
        while not workflow.completed:
            if naive:  # what a request would load, then store again after the step
                workflow = serializer.deserialize_json(serializer.serialize_json(workflow))
                workflow.script_engine = SCRIPT_ENGINE
            ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
            if not ready:
                raise RuntimeError("workflow stuck")
            for task in ready:
                task.data.update({**DATA.get(task.task_spec.name, {}), **ANSWERS})
                task.run()
                steps += 1
            workflow.do_engine_steps()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"dossiers": dossiers, "steps": steps, "seconds": seconds, "cpu_seconds": cpu,
            "dossiers_per_s": dossiers / seconds, "steps_per_s": steps / seconds, "steps_per_cpu_s": steps / cpu}
