/* The side panel: what the engine needs on the selected element. A lane's role mapping ([lanes] of
 * procedure.toml, renames followed), a user task's deadline (with its meaning in working time) and form
 * (JSON Schema), a gateway flow's condition (put in the diagram only once the server's safe evaluator
 * accepts it), an end event's outcome. An element picker makes every element reachable by keyboard. */
(function () {
  "use strict";
  const D = window.MotcuaDesigner;
  const { $, el } = D;

  // ------------------------------------------------------------------ lanes ↔ card [lanes]

  D.rememberLaneNames = function () {
    D.state.laneNames = {};
    D.lanes().forEach((l) => { D.state.laneNames[l.id] = l.businessObject.name || ""; });
  };

  D.followLaneRenames = function (element) {
    if (element.type !== "bpmn:Lane") return;
    const lanes = D.state.card.lanes;
    const before = D.state.laneNames[element.id];
    const after = element.businessObject.name || "";
    if (before !== undefined && before !== after && lanes[before] && !lanes[after]) {
      lanes[after] = lanes[before];
      delete lanes[before];
    }
    D.state.laneNames[element.id] = after;
    D.renderLaneSummary();
  };

  D.renderLaneSummary = function () {
    const M = D.M;
    const list = $("#lane-summary");
    list.innerHTML = "";
    const onDiagram = new Set(Object.values(D.state.laneNames));
    Object.entries(D.state.card.lanes).forEach(([name, rule]) => {
      const parts = [rule.role, rule.unit, rule.level].filter(Boolean).join(" / ");
      list.append(el("li", { "data-lane": name }, el("strong", { text: name }), " → ", parts,
        onDiagram.has(name) ? "" : el("span", { class: "muted", text: ` (${M.mapped_lanes_missing})` })));
    });
    Object.values(D.state.laneNames).filter((n) => !D.state.card.lanes[n]).forEach((name) => {
      list.append(el("li", { class: "problem error", "data-lane": name }, el("strong", { text: name }), " → ", M.none));
    });
  };

  // ------------------------------------------------------------------ the panel

  function field(labelText, input, hint) {
    return el("div", { class: "field" }, el("label", {}, labelText, input), hint || null);
  }

  D.problemsFor = function (id) { return D.state.problems.filter((p) => p._target === id); };

  D.renderElementProblems = function (id) {
    const box = $("#element-problems");
    if (!box) return;
    box.innerHTML = "";
    D.problemsFor(id).forEach((p) => box.append(el("p", { class: `problem ${p.severity}`, text: p.message })));
  };

  D.renderPanel = function (element) {
    const panel = $("#element-form");
    panel.innerHTML = "";
    if (element && element.type === "label") element = element.labelTarget;
    $("#element-picker").value = element ? element.id : "";
    if (!element || !D.modeler) { panel.append(el("p", { class: "muted", text: D.M.select_hint })); return; }
    const bo = element.businessObject;
    panel.append(el("p", { class: "small muted" }, el("span", { class: "code", text: element.id }),
      ` · ${element.type.replace("bpmn:", "")}`));
    if (element.type !== "bpmn:SequenceFlow" || bo.name) panel.append(nameField(element));
    if (element.type === "bpmn:Lane") laneFields(panel, element);
    else if (element.type === "bpmn:UserTask") taskFields(panel, element);
    else if (element.type === "bpmn:SequenceFlow") flowFields(panel, element);
    else if (/Gateway$/.test(element.type)) gatewayFields(panel, element);
    else if (element.type === "bpmn:EndEvent") endFields(panel, element);
    panel.append(el("div", { id: "element-problems" }));
    D.renderElementProblems(element.id);
    panel.querySelectorAll("input, select, textarea").forEach((n) => { if (!D.editable) n.disabled = true; });
  };

  function nameField(element) {
    const input = el("input", { type: "text", id: "f-name", value: element.businessObject.name || "" });
    input.addEventListener("change", () => D.svc("modeling").updateLabel(element, input.value));
    return field(D.M.name, input);
  }

  function laneFields(panel, element) {
    const M = D.M;
    const name = element.businessObject.name || "";
    const rule = D.state.card.lanes[name] || { role: "", level: null, unit: null };
    const role = el("select", { id: "f-lane-role" }, el("option", { value: "", text: M.none }),
      D.cfg.roles.map((r) => el("option", { value: r.value, text: `${r.label} (${r.value})`, selected: r.value === rule.role })));
    const unit = el("input", { type: "text", id: "f-lane-unit", value: rule.unit || "", maxlength: 40 });
    const level = el("select", { id: "f-lane-level" }, el("option", { value: "", text: M.any_level }),
      D.cfg.levels.map((l) => el("option", { value: l.value, text: l.label, selected: l.value === rule.level })));
    const update = () => {
      const current = element.businessObject.name || "";
      if (role.value) D.state.card.lanes[current] = { role: role.value, unit: unit.value.trim() || null, level: level.value || null };
      else delete D.state.card.lanes[current];
      D.renderLaneSummary();
      D.markDirty();
    };
    [role, level].forEach((n) => n.addEventListener("change", update));
    unit.addEventListener("input", update);
    panel.append(field(M.role, role), field(M.unit, unit), field(M.level, level));
  }

  function taskFields(panel, element) {
    const M = D.M;
    const deadline = el("input", { type: "text", id: "f-deadline", value: D.getProp(element.businessObject, "deadline") || "",
      placeholder: "PT4H", maxlength: 20 });
    const meaning = el("p", { class: "hint describe", id: "f-deadline-meaning" });
    const describe = D.describer();
    const apply = D.debounce(() => { D.setProp(element, "deadline", deadline.value.trim()); }, 200);
    deadline.addEventListener("input", () => { describe(deadline.value, meaning); apply(); });
    describe(deadline.value, meaning);
    panel.append(field(M.deadline, deadline, el("div", {}, meaning, el("p", { class: "hint", text: M.deadline_hint }))));

    const form = el("textarea", { id: "f-form", rows: 8, spellcheck: "false", class: "code" });
    form.value = D.state.forms[element.id] || "";
    const verdict = el("p", { class: "hint", id: "f-form-verdict" });
    const check = () => {
      const text = form.value.trim();
      if (!text) { verdict.textContent = ""; return; }
      try { JSON.parse(text); verdict.textContent = M.form_ok; verdict.className = "hint describe"; } catch (e) {
        verdict.textContent = `${M.form_bad}: ${e.message}`; verdict.className = "hint invalid";
      }
    };
    form.addEventListener("input", () => {
      if (form.value.trim()) D.state.forms[element.id] = form.value; else delete D.state.forms[element.id];
      check();
      D.markDirty();
    });
    check();
    panel.append(field(M.form, form, verdict));
  }

  function flowFields(panel, element) {
    const M = D.M;
    const source = element.source;
    if (!source || !/(Exclusive|Inclusive)Gateway$/.test(source.type)) return;
    const isDefault = source.businessObject.default === element.businessObject;
    const text = el("textarea", { id: "f-condition", rows: 3, spellcheck: "false", class: "code" });
    text.value = D.conditionOf(element);
    const verdict = el("p", { class: "hint", id: "f-condition-verdict" });
    const check = D.debounce(async () => {
      const value = text.value.trim();
      if (!value) { D.setCondition(element, ""); verdict.textContent = ""; return; }
      const result = await D.api("POST", "/checks/expression", { text: value });
      if (!result.ok) { verdict.textContent = D.errorText(result); verdict.className = "hint invalid"; return; }
      if (result.data.ok) {
        if (value !== D.conditionOf(element)) D.setCondition(element, value);
        verdict.textContent = `${M.condition_ok}: ${result.data.names.join(", ") || "—"}`;
        verdict.className = "hint describe";
      } else {
        verdict.textContent = `${result.data.message} (${M.condition_not_applied})`;
        verdict.className = "hint invalid";
      }
    }, 300);
    text.addEventListener("input", check);
    panel.append(field(M.condition + (isDefault ? " — default" : ""), text, verdict));
  }

  function gatewayFields(panel, element) {
    const list = el("ul", { class: "tight small" });
    (element.outgoing || []).forEach((flow) => {
      const isDefault = element.businessObject.default === flow.businessObject;
      list.append(el("li", {}, el("a", { href: "#", text: flow.businessObject.name || flow.id,
        onclick: (e) => { e.preventDefault(); D.svc("selection").select(flow); } }),
        `: ${D.conditionOf(flow) || (isDefault ? "default" : "—")}`));
    });
    panel.append(el("p", { class: "strong", text: D.M.gateway_flows }), list);
  }

  function endFields(panel, element) {
    const M = D.M;
    const outcome = D.getProp(element.businessObject, "outcome") || "resolved";
    const select = el("select", { id: "f-outcome" },
      el("option", { value: "resolved", text: M.outcome_resolved, selected: outcome === "resolved" }),
      el("option", { value: "refused", text: M.outcome_refused, selected: outcome === "refused" }));
    select.addEventListener("change", () => D.setProp(element, "outcome", select.value === "resolved" ? null : select.value));
    panel.append(field(M.outcome, select));
  }

  D.fillPicker = function () {
    const M = D.M;
    const picker = $("#element-picker");
    const selected = picker.value;
    picker.innerHTML = "";
    picker.append(el("option", { value: "", text: M.pick }));
    const groups = [
      [M.lanes, (e) => e.type === "bpmn:Lane"], [M.steps, (e) => e.type === "bpmn:UserTask"],
      [M.gateways, (e) => /Gateway$/.test(e.type)],
      [M.flows, (e) => e.type === "bpmn:SequenceFlow" && e.source && /(Exclusive|Inclusive)Gateway$/.test(e.source.type)],
      [M.events, (e) => /Event$/.test(e.type)],
    ];
    groups.forEach(([label, test]) => {
      const items = D.svc("elementRegistry").filter(test);
      if (!items.length) return;
      picker.append(el("optgroup", { label }, items.map((e) => el("option", { value: e.id, text: e.businessObject.name || e.id }))));
    });
    picker.value = selected;
  };

  D.bindPicker = function () {
    $("#element-picker").addEventListener("change", (event) => {
      const element = event.target.value && D.svc("elementRegistry").get(event.target.value);
      D.svc("selection").select(element || null);
    });
  };
})();
