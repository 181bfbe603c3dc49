/* Shared by the designer's modeler scripts (no bundler: one namespace, loaded in order: common.js, panel.js,
 * modeler.js). DOM and API helpers, and reading/writing what the engine needs in the BPMN through bpmn-js. */
(function () {
  "use strict";
  const D = (window.MotcuaDesigner = window.MotcuaDesigner || {});

  D.$ = (sel, root) => (root || document).querySelector(sel);
  D.svc = (name) => D.modeler.get(name);

  // spiffworkflow:properties / spiffworkflow:property, so bpmn-js reads and writes step properties.
  D.SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Properties", superClass: ["Element"], properties: [{ name: "properties", type: "Property", isMany: true }] },
      { name: "Property", superClass: ["Element"], properties: [
        { name: "name", type: "String", isAttr: true }, { name: "value", type: "String", isAttr: true }] },
    ],
  };

  D.debounce = function (fn, ms) {
    let timer = null;
    return function (...args) { clearTimeout(timer); timer = setTimeout(() => fn.apply(this, args), ms); };
  };

  D.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.flat().forEach((c) => c !== null && c !== undefined && node.append(c));
    return node;
  };

  D.api = async function (method, path, body) {
    const response = await fetch(D.cfg.api + path, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": D.cfg.csrf, Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let payload = null;
    try { payload = await response.json(); } catch (e) { payload = null; }
    return { ok: response.ok, status: response.status, data: payload };
  };

  D.errorText = function (result) {
    const err = result.data && result.data.error;
    return err ? err.message : `HTTP ${result.status}`;
  };

  /* A deadline's meaning in working time, as the server says it ("PT4H = 4 giờ làm việc"); one per field. */
  D.describer = function () {
    return D.debounce(async (text, node) => {
      if (!node) return;
      if (!text.trim()) { node.textContent = ""; return; }
      const result = await D.api("POST", "/checks/duration", { text });
      if (!result.ok) { node.textContent = D.errorText(result); node.className = "hint invalid"; return; }
      const d = result.data;
      node.textContent = d.ok ? `${d.text} = ${d.describe_vi}` : d.message;
      node.className = d.ok ? "hint describe" : "hint invalid";
    }, 250);
  };

  // ------------------------------------------------------------------ BPMN properties

  D.spiffProps = function (bo) {
    const ext = bo.extensionElements;
    return ext && (ext.values || []).find((v) => v.$type === "spiffworkflow:Properties") || null;
  };

  D.getProp = function (bo, name) {
    const props = D.spiffProps(bo);
    const item = props && (props.properties || []).find((p) => p.name === name);
    return item ? item.value : null;
  };

  D.setProp = function (element, name, value) {
    const bo = element.businessObject;
    const moddle = D.svc("moddle");
    let ext = bo.extensionElements;
    if (!ext) { ext = moddle.create("bpmn:ExtensionElements", { values: [] }); ext.$parent = bo; }
    let props = D.spiffProps(bo);
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      props.$parent = ext;
      ext.values = (ext.values || []).concat([props]);
    }
    props.properties = props.properties || [];
    const item = props.properties.find((p) => p.name === name);
    if (value === null || value === "") props.properties = props.properties.filter((p) => p !== item);
    else if (item) item.value = value;
    else {
      const created = moddle.create("spiffworkflow:Property", { name, value });
      created.$parent = props;
      props.properties.push(created);
    }
    D.svc("modeling").updateProperties(element, { extensionElements: ext });
  };

  D.conditionOf = function (flow) {
    const expr = flow.businessObject.conditionExpression;
    return expr ? (expr.body || "") : "";
  };

  D.setCondition = function (flow, text) {
    const expr = text ? D.svc("moddle").create("bpmn:FormalExpression", { body: text }) : undefined;
    D.svc("modeling").updateProperties(flow, { conditionExpression: expr });
  };

  D.processId = function () {
    const participant = D.svc("elementRegistry").filter((e) => e.type === "bpmn:Participant")[0];
    if (participant && participant.businessObject.processRef) return participant.businessObject.processRef.id;
    return D.svc("canvas").getRootElement().businessObject.id;
  };

  D.lanes = function () { return D.svc("elementRegistry").filter((e) => e.type === "bpmn:Lane"); };
})();
