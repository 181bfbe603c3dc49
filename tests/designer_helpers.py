"""Helpers for the designer tests: edited copies of the birth-registration package and its files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import PROCESSES

SLUG = "dang_ky_khai_sinh"
BPMN_NAME = f"{SLUG}.bpmn"
SOURCE = PROCESSES / SLUG


def bpmn_text() -> str:
    return (SOURCE / BPMN_NAME).read_text(encoding="utf-8")


def set_deadline(text: str, task_id: str, value: str) -> str:
    pattern = re.compile(rf'(<bpmn:userTask id="{task_id}"[\s\S]*?<spiffworkflow:property name="deadline" value=")[^"]*(")')
    assert pattern.search(text), task_id
    return pattern.sub(rf"\g<1>{value}\g<2>", text, count=1)


def move_to_lane(text: str, node_id: str, lane_id: str) -> str:
    ref = f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>"
    assert ref in text
    text = text.replace(f"        {ref}\n", "", 1)
    marker = re.search(rf'<bpmn:lane id="{lane_id}"[^>]*>\n', text)
    return text[:marker.end()] + f"        {ref}\n" + text[marker.end():]


def without_ky_duyet(text: str) -> str:
    """Removes the signing step: the eligibility gateway leads straight to the approval gateway."""
    text = re.sub(r'    <bpmn:userTask id="ky_duyet"[\s\S]*?</bpmn:userTask>\n', "", text, count=1)
    text = text.replace("        <bpmn:flowNodeRef>ky_duyet</bpmn:flowNodeRef>\n", "")
    text = text.replace('sourceRef="gw_du_dieu_kien" targetRef="ky_duyet"', 'sourceRef="gw_du_dieu_kien" targetRef="gw_phe_duyet"')
    text = text.replace("      <bpmn:incoming>flow_05</bpmn:incoming>\n", "      <bpmn:incoming>flow_03</bpmn:incoming>\n")
    text = re.sub(r'    <bpmn:sequenceFlow id="flow_05"[^\n]*\n', "", text)
    text = re.sub(r'      <bpmndi:BPMNShape id="ky_duyet_di"[\s\S]*?</bpmndi:BPMNShape>\n', "", text)
    return re.sub(r'      <bpmndi:BPMNEdge id="flow_05_di"[\s\S]*?</bpmndi:BPMNEdge>\n', "", text)


def without_eligibility_gateway(text: str) -> str:
    """Removes the eligibility gateway (a dossier past it went through an element that no longer exists)."""
    text = re.sub(r'    <bpmn:exclusiveGateway id="gw_du_dieu_kien"[\s\S]*?</bpmn:exclusiveGateway>\n', "", text, count=1)
    text = text.replace("        <bpmn:flowNodeRef>gw_du_dieu_kien</bpmn:flowNodeRef>\n", "")
    text = text.replace('sourceRef="tham_dinh_ho_so" targetRef="gw_du_dieu_kien"', 'sourceRef="tham_dinh_ho_so" targetRef="ky_duyet"')
    text = text.replace("      <bpmn:incoming>flow_03</bpmn:incoming>\n", "      <bpmn:incoming>flow_02</bpmn:incoming>\n")
    text = re.sub(r'    <bpmn:sequenceFlow id="flow_0[34]"[\s\S]*?(/>|</bpmn:sequenceFlow>)\n', "", text)
    text = text.replace("      <bpmn:incoming>flow_04</bpmn:incoming>\n", "")
    for element in ("gw_du_dieu_kien_di", "flow_03_di", "flow_04_di"):
        text = re.sub(rf'      <bpmndi:BPMN(Shape|Edge) id="{element}"[\s\S]*?</bpmndi:BPMN(Shape|Edge)>\n', "", text)
    return text


def package_copy(tmp_path: Path, bpmn: str | None = None, card: str | None = None, name: str = SLUG) -> Path:
    target = tmp_path / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SOURCE, target)
    if bpmn is not None:  # forms of steps the edited BPMN no longer has go too
        for form in (target / "forms").glob("*.json"):
            if f'id="{form.stem}"' not in bpmn:
                form.unlink()
    if bpmn is not None:
        (target / BPMN_NAME).write_text(bpmn, encoding="utf-8")
    if card is not None:
        (target / "procedure.toml").write_text(card, encoding="utf-8")
    return target


def card_text() -> str:
    return (SOURCE / "procedure.toml").read_text(encoding="utf-8")
