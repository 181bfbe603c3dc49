"""Procedure packages: loading, every validator check (with the element it names), hostile input, Spiff."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.util.task import TaskState

from engine.enums import Role
from engine.errors import ExpressionError, PackageError, UnsafeExpression
from engine.procedures import (
    LaneRule, Problem, errors, load_package, load_package_from_files, longest_deadline_path, validate_or_raise,
    validate_package,
)
from engine.procedures.bpmn import MAX_BPMN_BYTES, load_model, parse_bpmn_xml
from engine.procedures.spiff import SCRIPT_ENGINE, lane_of, new_workflow, parse_process, step_properties

GOOD = Path(__file__).parent / "fixtures" / "packages" / "mau_hop_le"
BPMN = "mau_hop_le.bpmn"
GOOD_PATH = ["Task_tiep_nhan", "Task_tham_dinh", "Task_lay_y_kien", "Task_phe_duyet", "Task_tra_ket_qua"]


def variant(tmp_path: Path, bpmn=None, card=None, files: dict[str, str | bytes] | None = None) -> Path:
    """Copy the good package and apply text replacements: ``bpmn``/``card`` are [(old, new), ...]."""
    pkg = tmp_path / "mau_hop_le"
    shutil.copytree(GOOD, pkg)
    for name, edits in ((BPMN, bpmn), ("procedure.toml", card)):
        path = pkg / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits or []:
            assert old in text, f"fixture lacks {old!r}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return pkg


def errors_at(problems: list[Problem], element_id: str | None) -> list[Problem]:
    return [p for p in problems if p.element_id == element_id and p.severity == "error"]


def only_error(problems: list[Problem]) -> Problem:
    errs = errors(problems)
    assert len(errs) == 1, "\n".join(map(str, errs))
    return errs[0]


# --- the good package --------------------------------------------------------------------------------------


def test_good_package_has_no_problems():
    assert validate_package(GOOD) == []


def test_good_package_loads_into_a_card():
    pkg = validate_or_raise(GOOD)
    card = pkg.card
    assert (card.code, card.process, card.level, card.fee, str(card.statutory_duration)) == (
        "9.000001", "thu_tuc_mau", "commune", 50000, "P5D")
    assert card.cutoff.hour == 15 and card.pause_on_supplement
    assert card.required_documents == ("Tờ khai", "Bản sao giấy tờ tuỳ thân")
    assert card.lanes == {
        "Bộ phận Một cửa": LaneRule(Role.DESK),
        "Phòng chuyên môn": LaneRule(Role.SPECIALIST, "commune", "QLXD"),
        "Lãnh đạo": LaneRule(Role.LEADER, "commune"),
    }
    assert set(pkg.forms) == {"Task_tham_dinh"} and pkg.forms["Task_tham_dinh"]["type"] == "object"
    assert pkg.bpmn_filename == BPMN and pkg.slug == "mau_hop_le" and len(pkg.content_hash) == 64


def test_content_hash_is_stable_and_covers_forms(tmp_path):
    assert load_package(GOOD).content_hash == load_package(GOOD).content_hash
    changed = variant(tmp_path, files={"forms/Task_tham_dinh.json": json.dumps({"type": "object"})})
    assert load_package(changed).content_hash != load_package(GOOD).content_hash


def test_load_from_zip_files_strips_the_top_folder():
    files = {f"mau_hop_le/{p.relative_to(GOOD).as_posix()}": p.read_bytes() for p in GOOD.rglob("*") if p.is_file()}
    pkg = load_package_from_files(files, "mau_hop_le")
    assert pkg.content_hash == load_package(GOOD).content_hash and pkg.path is None


def test_zip_path_traversal_is_refused():
    files = {p.relative_to(GOOD).as_posix(): p.read_bytes() for p in GOOD.rglob("*") if p.is_file()}
    files["../../etc/cron.d/x"] = b"boom"
    with pytest.raises(PackageError) as info:
        load_package_from_files(files, "mau_hop_le")
    assert any(d["file"] == "../../etc/cron.d/x" for d in info.value.details)


def test_longest_deadline_path_takes_the_longest_parallel_branch():
    _, model = load_model((GOOD / BPMN).read_bytes())
    assert longest_deadline_path(model) == (240 + 480 + 960 + 240 + 120, GOOD_PATH)


# --- deadline budget ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "allowed"), [("P3D", 1440), ("same_day", 480)])
def test_deadline_budget_exceeded_names_path_and_totals(tmp_path, duration, allowed):
    pkg = variant(tmp_path, card=[('statutory_duration = "P5D"', f'statutory_duration = "{duration}"')])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "thu_tuc_mau"
    assert " → ".join(GOOD_PATH) in problem.message
    assert "2040" in problem.message and str(allowed) in problem.message


def test_loops_are_cut_at_back_edges(tmp_path):
    loop = ('    <bpmn:sequenceFlow id="Flow_lai" sourceRef="Gateway_hop_le" targetRef="Task_tiep_nhan">'
            '<bpmn:conditionExpression>hop_le is None</bpmn:conditionExpression></bpmn:sequenceFlow>\n  </bpmn:process>')
    pkg = variant(tmp_path, bpmn=[("  </bpmn:process>", loop)])
    assert errors(validate_package(pkg)) == []
    _, model = load_model((pkg / BPMN).read_bytes())
    assert longest_deadline_path(model) == (2040, GOOD_PATH)


# --- the card ----------------------------------------------------------------------------------------------


def test_malformed_toml(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, card=[('fee = 50000', 'fee = ')])))
    assert problem.file == "procedure.toml" and "TOML" in problem.message and "line" in problem.message


def test_every_card_problem_is_reported_at_once(tmp_path):
    pkg = variant(tmp_path, card=[
        ('name = "Thủ tục mẫu để kiểm thử"\n', ""),
        ("fee = 50000", 'fee = "năm mươi nghìn"'),
        ('statutory_duration = "P5D"', 'statutory_duration = "5 ngày"'),
        ('cutoff = "15:00"', 'cutoff = "25:00"'),
        ('level = "commune"', 'level = "district"'),
        ("pause_on_supplement = true", 'pause_on_supplement = "yes"'),
        ('"Lãnh đạo" = "leader@commune"', '"Lãnh đạo" = "chairman"'),
        ('role = "specialist", level = "commune"', 'role = "specialist", level = "huyen"'),
        ('"Bộ phận Một cửa" = "desk"', '"Bộ phận Một cửa" = "designer"\n"Văn thư" = 5'),
    ])
    problems = validate_package(pkg)
    by_element = {p.element_id for p in errors(problems) if p.file == "procedure.toml"}
    assert {"name", "fee", "statutory_duration", "cutoff", "level", "pause_on_supplement", "lanes.Lãnh đạo",
            "lanes.Phòng chuyên môn", "lanes.Bộ phận Một cửa", "lanes.Văn thư"} <= by_element
    assert "chairman" in errors_at(problems, "lanes.Lãnh đạo")[0].message
    assert "designer" in errors_at(problems, "lanes.Bộ phận Một cửa")[0].message
    assert "5 ngày" in errors_at(problems, "statutory_duration")[0].message
    # BPMN checks still ran even though the card failed
    assert not any(p.file == BPMN and p.is_error for p in problems)


def test_unknown_card_key_is_a_warning(tmp_path):
    problems = validate_package(variant(tmp_path, card=[("fee = 50000", "fee = 50000\nstatutory_duratoin = 1")]))
    assert errors(problems) == [] and problems[0].element_id == "statutory_duratoin"


def test_lane_mapped_in_card_but_absent_from_bpmn(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, card=[('"Lãnh đạo"', '"Văn thư" = "desk"\n"Lãnh đạo"')])))
    assert (problem.file, problem.element_id) == ("procedure.toml", "lanes.Văn thư")
    assert "Văn thư" in problem.message and "Lãnh đạo" in problem.fix


def test_bpmn_lane_not_mapped(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, card=[('"Lãnh đạo" = "leader@commune"\n', "")])))
    assert (problem.file, problem.element_id) == (BPMN, "Lane_lanh_dao")
    assert "Lãnh đạo" in problem.message


def test_process_id_missing(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, card=[('process = "thu_tuc_mau"', 'process = "khong_co"')])))
    assert problem.element_id == "khong_co" and "thu_tuc_mau" in problem.message


def test_missing_files(tmp_path):
    pkg = variant(tmp_path)
    (pkg / BPMN).unlink()
    (pkg / "procedure.toml").unlink()
    problems = errors(validate_package(pkg))
    assert {p.file for p in problems} == {"procedure.toml", "mau_hop_le.bpmn"}


# --- BPMN structure ----------------------------------------------------------------------------------------


def test_broken_xml_reports_the_line(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, bpmn=[('<bpmn:parallelGateway id="Gateway_split">',
                                                                   '<bpmn:parallelGateway id="Gateway_split>')])))
    assert problem.file == BPMN and "dòng" in problem.message and "line" in problem.message_en


def test_user_task_outside_any_lane(tmp_path):
    pkg = variant(tmp_path, bpmn=[("<bpmn:flowNodeRef>Task_kiem_tra</bpmn:flowNodeRef>", "")])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "Task_kiem_tra" and "làn" in problem.message


def test_node_in_two_lanes(tmp_path):
    pkg = variant(tmp_path, bpmn=[("<bpmn:flowNodeRef>Task_phe_duyet</bpmn:flowNodeRef>",
                                   "<bpmn:flowNodeRef>Task_phe_duyet</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_kiem_tra"
                                   "</bpmn:flowNodeRef>")])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "Task_kiem_tra" and "Lãnh đạo" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('<spiffworkflow:property name="deadline" value="PT4H" />', "", "deadline"),
        ('<spiffworkflow:property name="deadline" value="PT4H" />',
         '<spiffworkflow:property name="deadline" value="4 giờ" />', "4 giờ"),
        ('<spiffworkflow:property name="deadline" value="PT4H" />',
         '<spiffworkflow:property name="deadline" value="same_day" />', "same_day"),
    ],
)
def test_user_task_deadline(tmp_path, old, new, fragment):
    problem = only_error(validate_package(variant(tmp_path, bpmn=[(old, new)])))
    assert problem.element_id == "Task_tiep_nhan" and fragment in problem.message


def test_end_event_outcome_must_be_known(tmp_path):
    pkg = variant(tmp_path, bpmn=[('name="outcome" value="refused"', 'name="outcome" value="done"')])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "End_refused" and "done" in problem.message and "refused" in problem.fix


def test_exclusive_gateway_without_default_or_conditions(tmp_path):
    pkg = variant(tmp_path, bpmn=[(' default="Flow_tu_choi"', "")])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "Gateway_phe_duyet" and "Flow_tu_choi" in problem.message


def test_unsafe_gateway_condition_names_flow_and_construct(tmp_path):
    pkg = variant(tmp_path, bpmn=[("hop_le == True", "().__class__.__base__.__subclasses__()")])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "Flow_hop_le"
    assert "Flow_hop_le" in problem.message and "__subclasses__" in problem.message


def test_non_boolean_condition(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, bpmn=[("hop_le == True", "fee + 1")])))
    assert problem.element_id == "Flow_hop_le" and "logic" in problem.message


def test_duplicate_ids(tmp_path):
    pkg = variant(tmp_path, bpmn=[('<bpmn:parallelGateway id="Gateway_join">', '<bpmn:parallelGateway id="Gateway_split">')])
    assert errors_at(validate_package(pkg), "Gateway_split")


SCRIPT_TASK = '<bpmn:scriptTask id="Task_kiem_tra" name="x"><bpmn:script>import os</bpmn:script>'
REFUSED = [
    ("scriptTask", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">', SCRIPT_TASK),
                    ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                     "</bpmn:scriptTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "script"),
    ("serviceTask", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">', '<bpmn:serviceTask id="Task_kiem_tra">'),
                     ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                      "</bpmn:serviceTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "serviceTask"),
    ("businessRuleTask", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">',
                           '<bpmn:businessRuleTask id="Task_kiem_tra">'),
                          ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                           "</bpmn:businessRuleTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "businessRuleTask"),
    ("callActivity", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">',
                       '<bpmn:callActivity id="Task_kiem_tra" calledElement="other">'),
                      ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                       "</bpmn:callActivity>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "callActivity"),
    ("sendTask", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">', '<bpmn:sendTask id="Task_kiem_tra">'),
                  ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                   "</bpmn:sendTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "sendTask"),
    ("receiveTask", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">', '<bpmn:receiveTask id="Task_kiem_tra">'),
                     ("</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                      "</bpmn:receiveTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")], "receiveTask"),
    ("preScript", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>',
                    '<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>'
                    "<spiffworkflow:preScript>import os</spiffworkflow:preScript>")], "preScript"),
    ("postScript", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>',
                     '<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>'
                     "<spiffworkflow:postScript>x = 1</spiffworkflow:postScript>")], "postScript"),
    ("camunda", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>',
                  '<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">\n      <bpmn:extensionElements>'
                  '<camunda:executionListener xmlns:camunda="http://camunda.org/schema/1.0/bpmn" event="start">'
                  '<camunda:script scriptFormat="groovy">x</camunda:script></camunda:executionListener>')], "camunda"),
    ("camunda:class", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">',
                        '<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa" '
                        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:class="org.Evil">')], "class"),
    ("language", [('<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">hop_le == True',
                   '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" language="javascript">hop_le == True')],
     "javascript"),
    ("loop", [('<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa">',
               '<bpmn:userTask id="Task_kiem_tra" name="Kiểm tra thực địa"><bpmn:standardLoopCharacteristics>'
               "<bpmn:loopCondition>x</bpmn:loopCondition></bpmn:standardLoopCharacteristics>")], "standardLoop"),
]


@pytest.mark.parametrize(("label", "edits", "fragment"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_constructs(tmp_path, label, edits, fragment):
    element = "Flow_hop_le" if label == "language" else "Task_kiem_tra"
    found = errors_at(validate_package(variant(tmp_path, bpmn=edits)), element)
    assert found, f"no error at {element}"
    assert any(fragment in p.message for p in found), [p.message for p in found]
    if label in ("scriptTask", "preScript", "postScript", "serviceTask"):
        assert any("script" in p.message and "biểu thức logic" in p.message for p in found)


TIMER = ('<bpmn:boundaryEvent id="Timer_nhac" attachedToRef="Task_lay_y_kien" cancelActivity="false">'
         "<bpmn:outgoing>Flow_nhac</bpmn:outgoing><bpmn:timerEventDefinition id=\"TimerDef_1\">"
         "<bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
         '<bpmn:endEvent id="End_nhac"><bpmn:incoming>Flow_nhac</bpmn:incoming></bpmn:endEvent>'
         '<bpmn:sequenceFlow id="Flow_nhac" sourceRef="Timer_nhac" targetRef="End_nhac" />\n  </bpmn:process>')
LANE_REFS = ("<bpmn:flowNodeRef>Gateway_join</bpmn:flowNodeRef>",
             "<bpmn:flowNodeRef>Gateway_join</bpmn:flowNodeRef><bpmn:flowNodeRef>Timer_nhac</bpmn:flowNodeRef>"
             "<bpmn:flowNodeRef>End_nhac</bpmn:flowNodeRef>")


@pytest.mark.parametrize(("kind", "value"), [("timeDuration", '"PT8H"'), ("timeDuration", "P1D"),
                                              ("timeDate", '"2026-01-31T17:00:00+07:00"')])
def test_timer_events_are_accepted(tmp_path, kind, value):
    pkg = variant(tmp_path, bpmn=[("  </bpmn:process>", TIMER.format(kind=kind, value=value)), LANE_REFS])
    assert errors(validate_package(pkg)) == []


@pytest.mark.parametrize(("kind", "value", "fragment"), [("timeCycle", "R3/PT1H", "timeCycle"),
                                                          ("timeDuration", "ba ngày", "ba ngày"),
                                                          ("timeDuration", "__import__('os')", "__import__"),
                                                          ("timeDate", "31/01/2026", "31/01/2026")])
def test_bad_timers(tmp_path, kind, value, fragment):
    pkg = variant(tmp_path, bpmn=[("  </bpmn:process>", TIMER.format(kind=kind, value=value)), LANE_REFS])
    problem = only_error(validate_package(pkg))
    assert problem.element_id == "Timer_nhac" and fragment in problem.message


# --- forms -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "element", "fragment"),
    [
        ("forms/Task_khong_co.json", '{"type": "object"}', "Task_khong_co", "Task_khong_co"),
        ("forms/Task_phe_duyet.json", '{"type": "object",\n "properties": {', "Task_phe_duyet", "dòng 2"),
        ("forms/Task_phe_duyet.json", '{"type": "objekt"}', "Task_phe_duyet", "JSON Schema"),
        ("forms/Task_phe_duyet.json", '{"type": "object", "required": "approved"}', "Task_phe_duyet", "required"),
        ("forms/Task_phe_duyet.json", '{"type": "array"}', "Task_phe_duyet", "object"),
        ("forms/Task_phe_duyet.json", "[1, 2]", "Task_phe_duyet", "JSON Schema"),
    ],
)
def test_form_problems(tmp_path, name, content, element, fragment):
    problem = only_error(validate_package(variant(tmp_path, files={name: content})))
    assert (problem.file, problem.element_id) == (name, element) and fragment in problem.message


# --- SpiffWorkflow -----------------------------------------------------------------------------------------


def test_spiff_schema_error_is_reported(tmp_path):
    # Out-of-order child elements: only the BPMN XSD (via SpiffWorkflow) notices.
    pkg = variant(tmp_path, bpmn=[("<bpmn:outgoing>Flow_10</bpmn:outgoing>",
                                   "<bpmn:outgoing>Flow_10</bpmn:outgoing><bpmn:documentation>x</bpmn:documentation>")])
    problem = only_error(validate_package(pkg))
    assert problem.file == BPMN and "SpiffWorkflow" in problem.message and "documentation" in problem.message


def test_parse_process_refuses_scripts_even_without_the_validator():
    xml = (GOOD / BPMN).read_bytes().replace(b"<bpmn:userTask id=\"Task_kiem_tra\"", b"<bpmn:scriptTask id=\"Task_kiem_tra\"")
    xml = xml.replace(b"</bpmn:userTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"",
                      b"</bpmn:scriptTask>\n    <bpmn:userTask id=\"Task_phe_duyet\"")
    with pytest.raises(PackageError) as info:
        parse_process(xml, "thu_tuc_mau")
    assert any(d["element_id"] == "Task_kiem_tra" for d in info.value.details)


def _run(data: dict) -> list[str]:
    spec, subs = parse_process((GOOD / BPMN).read_bytes(), "thu_tuc_mau")
    wf = new_workflow(spec, subs)
    wf.do_engine_steps()
    done = []
    while ready := wf.get_tasks(state=TaskState.READY, manual=True):
        task = ready[0]
        done.append(task.task_spec.bpmn_id)
        task.data.update(data.get(task.task_spec.bpmn_id, {}))
        task.run()
        wf.do_engine_steps()
    assert wf.completed
    return done


def test_workflow_runs_with_safe_engine():
    ok = _run({"Task_tham_dinh": {"hop_le": True}, "Task_phe_duyet": {"approved": True, "fee": 0}})
    assert ok[-1] == "Task_tra_ket_qua" and "Task_kiem_tra" in ok
    refused = _run({"Task_tham_dinh": {"hop_le": True}, "Task_phe_duyet": {"approved": False, "fee": 0}})
    assert refused[-1] == "Task_thong_bao_tu_choi"
    assert _run({"Task_tham_dinh": {"hop_le": False}})[-1] == "Task_thong_bao_tu_choi"


def test_failed_condition_becomes_workflow_task_exception():
    spec, subs = parse_process((GOOD / BPMN).read_bytes(), "thu_tuc_mau")
    wf = new_workflow(spec, subs)
    wf.do_engine_steps()
    for _ in range(2):  # reception, then appraisal without the hop_le field
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        assert lane_of(task.task_spec) and "deadline" in step_properties(task.task_spec)
        with pytest.raises(WorkflowTaskException) if task.task_spec.bpmn_id == "Task_tham_dinh" else _noop() as info:
            task.run()
            wf.do_engine_steps()
    assert isinstance(info.value.motcua_error, ExpressionError)
    assert "hop_le" in info.value.motcua_error.message


class _noop:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_script_engine_refuses_scripts_and_services():
    with pytest.raises(UnsafeExpression):
        SCRIPT_ENGINE.environment.execute("import os", {})
    with pytest.raises(UnsafeExpression):
        SCRIPT_ENGINE.environment.call_service({}, operation_name="x")
    with pytest.raises(UnsafeExpression):
        SCRIPT_ENGINE.validate("__import__('os')")
    assert SCRIPT_ENGINE.environment.evaluate("x > 1", {"x": 2}) is True
    assert SCRIPT_ENGINE.environment.evaluate("PT4H", {}) == "PT4H"
    assert SCRIPT_ENGINE.environment.evaluate('"PT4H"', {}) == "PT4H"
    assert SCRIPT_ENGINE.environment.evaluate("x == y", {"x": 1}, {"y": 1}) is True


# --- hostile input -----------------------------------------------------------------------------------------

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions ' \
      b'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;</bpmn:definitions>'
LAUGHS = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
    b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10)
) + b']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol9;</bpmn:definitions>'


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_doctype_is_refused(tmp_path, payload):
    start = time.perf_counter()
    problem = only_error(validate_package(variant(tmp_path, files={BPMN: payload})))
    assert problem.file == BPMN and "DOCTYPE" in problem.message
    assert "root:" not in str(problem) and time.perf_counter() - start < 2
    with pytest.raises(PackageError):
        load_package(tmp_path / "mau_hop_le")


def test_huge_file_is_refused_by_size_before_parsing(tmp_path):
    pkg = variant(tmp_path)
    with (pkg / BPMN).open("wb") as fh:
        fh.write(b"<bpmn:definitions>" + b"<!-- padding -->" * (50 * 1024 * 1024 // 16))
    start = time.perf_counter()
    problem = only_error(validate_package(pkg))
    assert "quá lớn" in problem.message and str(MAX_BPMN_BYTES) in problem.message
    with pytest.raises(PackageError):
        parse_bpmn_xml(b" " * (MAX_BPMN_BYTES + 1))
    assert time.perf_counter() - start < 2


def test_not_bpmn_root(tmp_path):
    problem = only_error(validate_package(variant(tmp_path, files={BPMN: b"<html/>"})))
    assert "bpmn:definitions" in problem.message


# --- reporting ---------------------------------------------------------------------------------------------


def test_many_problems_at_once_and_load_package_lists_them(tmp_path):
    pkg = variant(
        tmp_path,
        card=[("fee = 50000", "fee = -1")],
        bpmn=[("hop_le == True", "open('x')"), ('name="deadline" value="P1D"', 'name="han" value="P1D"')],
        files={"forms/Task_x.json": "{}"},
    )
    problems = errors(validate_package(pkg))
    assert {(p.file, p.element_id) for p in problems} >= {
        ("procedure.toml", "fee"), (BPMN, "Flow_hop_le"), (BPMN, "Task_tham_dinh"), ("forms/Task_x.json", "Task_x")}
    with pytest.raises(PackageError) as info:
        validate_or_raise(pkg)
    assert {d["element_id"] for d in info.value.details} >= {"fee", "Flow_hop_le", "Task_tham_dinh", "Task_x"}


def test_problem_str():
    p = Problem("x.bpmn", "Task_1", "Thiếu thời hạn", "Thêm deadline", "Missing deadline")
    assert str(p) == "x.bpmn:Task_1: Thiếu thời hạn — Thêm deadline"
    assert str(Problem("procedure.toml", None, "a", "b", "c")) == "procedure.toml: a — b"


def test_loaded_package_keeps_exact_bytes_and_revalidates():
    pkg = load_package(GOOD)
    assert pkg.card_bytes == (GOOD / "procedure.toml").read_bytes()
    assert pkg.form_bytes == {"Task_tham_dinh": (GOOD / "forms" / "Task_tham_dinh.json").read_bytes()}
    assert validate_package(pkg) == []
    files = {"procedure.toml": pkg.card_bytes, pkg.bpmn_filename: pkg.bpmn_xml,
             **{f"forms/{k}.json": v for k, v in pkg.form_bytes.items()}}
    assert load_package_from_files(files, pkg.slug).content_hash == pkg.content_hash


@pytest.mark.parametrize("value", ['"PT8H"', "P1D"])
def test_spiff_evaluates_timer_values_through_the_safe_engine(tmp_path, value):
    pkg = variant(tmp_path, bpmn=[("  </bpmn:process>", TIMER.format(kind="timeDuration", value=value)), LANE_REFS])
    spec, subs = parse_process((pkg / BPMN).read_bytes(), "thu_tuc_mau")
    wf = new_workflow(spec, subs)
    wf.do_engine_steps()
    answers = {"Task_tham_dinh": {"hop_le": True}}
    for _ in range(2):
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(answers.get(task.task_spec.bpmn_id, {}))
        task.run()
        wf.do_engine_steps()
    wf.refresh_waiting_tasks()  # evaluates the boundary timer's expression
    waiting = [t for t in wf.get_tasks(state=TaskState.WAITING) if t.task_spec.bpmn_id == "Timer_nhac"]
    assert waiting and waiting[0]._get_internal_data("event_value")
