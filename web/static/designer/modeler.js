/* The designer's modeler page: bpmn-js (served by the app, built from web/frontend/) with our side panel
 * (panel.js) and card form. Every change is validated by the server (the same validator as
 * `motcua procedures validate`) and each problem is drawn on the element it concerns, with the deadline
 * budget of the longest path. Nothing is decided here: the server is the only judge of validity.
 * Loaded after common.js and panel.js. */
(function () {
  "use strict";
  const D = window.MotcuaDesigner;
  const { $, el } = D;

  const data = JSON.parse(document.getElementById("draft-data").textContent);
  D.cfg = JSON.parse(document.getElementById("designer-config").textContent);
  D.M = JSON.parse(document.getElementById("designer-messages").textContent);
  const M = D.M;
  D.state = {
    card: JSON.parse(JSON.stringify(data.card || {})),
    forms: Object.assign({}, data.forms || {}),
    revision: data.revision, dirty: false, laneNames: {}, problems: [], budget: null,
  };
  const state = D.state;
  state.card.lanes = state.card.lanes || {};
  D.editable = data.status === "open";
  D.modeler = window.BpmnJS ? new window.BpmnJS({ container: "#canvas", moddleExtensions: { spiffworkflow: D.SPIFF } }) : null;
  const modeler = D.modeler;
  const svc = D.svc;

  function setSaveState(text, cls) {
    const node = $("#save-state");
    node.textContent = text;
    node.className = cls || "muted";
  }

  D.markDirty = function () {
    if (!D.editable) return;
    state.dirty = true;
    setSaveState(M.unsaved, "unsaved");
    scheduleValidate();
  };

  // ------------------------------------------------------------------ card form

  const cardForm = $("#card-form");
  const CARD_TEXT = ["code", "process", "name", "field", "level", "statutory_duration", "cutoff", "result"];
  const describeDuration = D.describer();

  function fillCard() {
    CARD_TEXT.forEach((key) => { cardForm.elements[key].value = state.card[key] == null ? "" : state.card[key]; });
    cardForm.elements.pause_on_supplement.checked = state.card.pause_on_supplement !== false;
    cardForm.elements.fee.value = state.card.fee == null ? 0 : state.card.fee;
    cardForm.elements.required_documents.value = (state.card.required_documents || []).join("\n");
    describeDuration(cardForm.elements.statutory_duration.value, $('[data-describe="statutory_duration"]'));
  }

  function cardPayload() {
    const f = cardForm.elements;
    const fee = f.fee.value.trim();
    const card = {
      name: f.name.value, field: f.field.value, level: f.level.value, statutory_duration: f.statutory_duration.value,
      cutoff: f.cutoff.value.trim() || null, pause_on_supplement: f.pause_on_supplement.checked,
      fee: /^\d+$/.test(fee) ? parseInt(fee, 10) : fee, result: f.result.value,
      required_documents: f.required_documents.value.split("\n").map((s) => s.trim()).filter(Boolean),
      lanes: {},
    };
    Object.entries(state.card.lanes).forEach(([name, rule]) => {
      if (rule.role) card.lanes[name] = { role: rule.role, level: rule.level || null, unit: rule.unit || null };
    });
    return card;
  }

  cardForm.addEventListener("input", (event) => {
    if (event.target.name === "statutory_duration") {
      describeDuration(event.target.value, $('[data-describe="statutory_duration"]'));
    }
    D.markDirty();
  });

  // ------------------------------------------------------------------ validation as you work

  function targetOf(problem) {
    const registry = svc("elementRegistry");
    const id = problem.element_id;
    if (!id) return null;
    if (registry.get(id)) return id;
    if (id === D.processId()) {
      const participant = registry.filter((e) => e.type === "bpmn:Participant")[0];
      return participant ? participant.id : null;
    }
    if (id.startsWith("lanes.")) {
      const lane = D.lanes().find((l) => (l.businessObject.name || "") === id.slice(6));
      return lane ? lane.id : null;
    }
    return null;
  }

  function clearMarks() {
    cardForm.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
    if (!modeler) return;
    const canvas = svc("canvas");
    svc("overlays").remove({ type: "validation" });
    svc("elementRegistry").forEach((e) => ["dz-error", "dz-warning", "dz-path"].forEach((m) => canvas.removeMarker(e.id, m)));
  }

  function render(result) {
    state.problems = (result.problems || []).map((p) => Object.assign({}, p, { _target: modeler ? targetOf(p) : null }));
    state.budget = result.budget || null;
    clearMarks();
    const list = $("#problems");
    list.innerHTML = "";
    const errors = state.problems.filter((p) => p.severity === "error");
    const warnings = state.problems.filter((p) => p.severity !== "error");
    $("#problem-count").textContent = `${errors.length} ${M.errors}, ${warnings.length} ${M.warnings}`;
    $("#problem-count").className = errors.length ? "badge late" : "badge on_time";
    if (!state.problems.length) list.append(el("li", { class: "problem ok", text: M.valid }));
    const perElement = {};
    state.problems.forEach((p) => {
      const where = `${p.file}${p.element_id ? ":" + p.element_id : ""}`;
      list.append(el("li", { class: `problem ${p.severity}`, "data-element": p._target || "",
        onclick: () => { if (p._target) svc("selection").select(svc("elementRegistry").get(p._target)); } },
        el("span", { class: "code small", text: where }), " ", p.message, el("div", { class: "hint", text: p.fix })));
      if (p._target) (perElement[p._target] = perElement[p._target] || []).push(p);
      if (p.file === "procedure.toml" && p.element_id && cardForm.elements[p.element_id]) {
        cardForm.elements[p.element_id].classList.add("invalid");
        cardForm.elements[p.element_id].title = p.message;
      }
    });
    if (modeler) {
      Object.entries(perElement).forEach(([id, items]) => {
        const worst = items.some((p) => p.severity === "error") ? "error" : "warning";
        svc("canvas").addMarker(id, `dz-${worst}`);
        svc("overlays").add(id, "validation", { position: { top: -10, right: 10 },
          html: el("div", { class: `dz-badge ${worst}`, title: items.map((p) => p.message).join("\n"), text: String(items.length) }) });
      });
      const selected = svc("selection").get()[0];
      if (selected) D.renderElementProblems(selected.type === "label" ? selected.labelTarget.id : selected.id);
    }
    renderBudget();
  }

  function renderBudget() {
    const node = $("#budget");
    node.innerHTML = "";
    const b = state.budget;
    if (!b) return;
    node.className = b.exceeded ? "budget exceeded" : "budget";
    node.append(el("strong", { text: `${M.budget}: ` }), `${b.total_vi}`,
      b.allowed_vi ? ` / ${M.allowed} ${b.allowed_vi}` : "", b.exceeded ? el("span", { class: "badge late", text: ` ${M.exceeded}` }) : "",
      el("div", { class: "small path", text: b.path_names.join(" → ") }));
    if (b.exceeded && modeler) b.path.forEach((id) => svc("elementRegistry").get(id) && svc("canvas").addMarker(id, "dz-path"));
  }

  async function content() {
    const body = { card: cardPayload(), forms: state.forms };
    if (modeler) body.bpmn_xml = (await modeler.saveXML({ format: true })).xml;
    return body;
  }

  function problemsFromError(result) {
    const err = (result.data && result.data.error) || {};
    if (Array.isArray(err.details)) return err.details;
    return [{ file: "", element_id: null, message: err.message || `HTTP ${result.status}`, fix: "", severity: "error" }];
  }

  let validating = 0;
  async function validateNow() {
    const ticket = ++validating;
    const result = await D.api("POST", `/drafts/${data.id}/validate`, await content());
    if (ticket !== validating) return; // a newer check is on its way
    render(result.ok ? result.data : { problems: problemsFromError(result), budget: state.budget });
  }
  const scheduleValidate = D.debounce(validateNow, 500);

  // ------------------------------------------------------------------ save and publish

  async function save() {
    setSaveState(M.saving);
    const result = await D.api("PUT", `/drafts/${data.id}`, Object.assign({ revision: state.revision }, await content()));
    if (!result.ok) {
      setSaveState(`${M.save_failed}: ${D.errorText(result)}`, "invalid");
      render({ problems: problemsFromError(result), budget: state.budget });
      return false;
    }
    state.revision = result.data.revision;
    state.dirty = false;
    setSaveState(`${M.saved} · ${new Date().toLocaleTimeString()}`, "saved");
    render(result.data);
    return true;
  }

  async function publish() {
    const note = $("#publish-note").value.trim();
    if (!note) { setSaveState(M.note_required, "invalid"); $("#publish-note").focus(); return; }
    if (state.dirty && !(await save())) return;
    const result = await D.api("POST", `/drafts/${data.id}/publish`, { note, revision: state.revision });
    if (!result.ok) {
      setSaveState(`${M.publish_failed}: ${D.errorText(result)}`, "invalid");
      const err = result.data && result.data.error;
      if (err && Array.isArray(err.details)) render({ problems: err.details, budget: state.budget });
      return;
    }
    state.dirty = false;
    setSaveState(`${M.published} ${result.data.number}`, "saved");
    const target = D.cfg.procedure_url || `${D.cfg.index_url}procedures/${encodeURIComponent(result.data.code)}`;
    window.location.href = `${target}?published=${result.data.number}`;
  }

  $("#save").addEventListener("click", save);
  $("#validate").addEventListener("click", validateNow);
  $("#publish").addEventListener("click", publish);
  window.addEventListener("beforeunload", (event) => { if (state.dirty) { event.preventDefault(); event.returnValue = ""; } });

  // ------------------------------------------------------------------ start

  fillCard();
  if (!modeler) { D.renderLaneSummary(); validateNow(); return; }
  D.bindPicker();
  modeler.importXML(data.bpmn_xml).then(() => {
    const canvas = svc("canvas");
    canvas.zoom(canvas.zoom("fit-viewport", "auto") * 0.88, "auto");  // room for the palette on the left
    canvas.scroll({ dx: 24, dy: 0 });
    D.rememberLaneNames();
    D.renderLaneSummary();
    D.fillPicker();
    const bus = svc("eventBus");
    bus.on("selection.changed", (event) => D.renderPanel(event.newSelection[0]));
    bus.on("element.changed", (event) => D.followLaneRenames(event.element));
    bus.on("commandStack.changed", () => { D.fillPicker(); D.markDirty(); });
    document.body.dataset.modelerReady = "1";
    validateNow();
  }).catch((error) => {
    render({ problems: [{ file: data.bpmn_filename, element_id: null, message: String(error.message || error), fix: "",
      severity: "error" }] });
  });
})();
