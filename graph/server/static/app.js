// The trialgraph page: run SPARQL queries and named reports against this server, show the answers.
// Everything shown comes from the server and is put into the page as text (textContent), never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function showError(target, status, message) {
  clear(target);
  const box = element("div", null, "error");
  box.setAttribute("role", "alert");
  box.appendChild(element("strong", status ? `HTTP ${status}` : "Error"));
  box.appendChild(element("pre", message));
  target.appendChild(box);
}

function showText(target, text, note) {
  clear(target);
  if (note) target.appendChild(element("p", note, "quiet"));
  target.appendChild(element("pre", text, "raw"));
}

// A term of the SPARQL JSON results format, as a table cell.
function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const isWeb = term.value.startsWith("http:") || term.value.startsWith("https:");
    if (isWeb) {
      const link = element("a", term.value);
      link.href = term.value;
      link.rel = "noopener noreferrer";
      link.target = "_blank";
      td.appendChild(link);
    } else {
      td.textContent = term.value;
    }
  } else if (term.type === "bnode") {
    td.textContent = "_:" + term.value;
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.appendChild(element("span", "@" + term["xml:lang"], "tag"));
  }
  return td;
}

function showResults(target, data, elapsed) {
  clear(target);
  if (typeof data.boolean === "boolean") {
    target.appendChild(element("p", `ASK: ${data.boolean}`, "answer"));
    return;
  }
  const vars = data.head.vars || [];
  const rows = data.results.bindings || [];
  target.appendChild(element("p", `${rows.length} row${rows.length === 1 ? "" : "s"} in ${elapsed} ms`, "quiet count"));
  const table = element("table", null, "results");
  const head = table.createTHead().insertRow();
  for (const name of vars) head.appendChild(element("th", name));
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const name of vars) tr.appendChild(cell(row[name]));
  }
  target.appendChild(table);
}

async function answer(response, target, started, asTable) {
  const elapsed = Math.round(performance.now() - started);
  const text = await response.text();
  if (!response.ok) {
    showError(target, response.status, text);
    return;
  }
  const type = (response.headers.get("content-type") || "").split(";")[0];
  if (asTable && type === "application/sparql-results+json") {
    showResults(target, JSON.parse(text), elapsed);
  } else {
    showText(target, text, `${type}, ${text.length} characters in ${elapsed} ms`);
  }
}

async function runQuery(event) {
  if (event) event.preventDefault();
  const target = $("query-result");
  const format = $("query-format").value;
  const form = new URLSearchParams({ query: $("query").value });
  const headers = { "Content-Type": "application/x-www-form-urlencoded" };
  if (format === "table") {
    headers["Accept"] = "application/sparql-results+json, text/turtle;q=0.9";
  } else {
    form.set("format", format);
  }
  clear(target);
  target.appendChild(element("p", "Running…", "quiet"));
  $("query-run").disabled = true;
  const started = performance.now();
  try {
    const response = await fetch("/sparql", { method: "POST", headers, body: form });
    await answer(response, target, started, format === "table");
  } catch (error) {
    showError(target, 0, String(error));
  } finally {
    $("query-run").disabled = false;
  }
}

// --- named reports ---------------------------------------------------------------------------

let catalogue = [];

function parameterInput(param) {
  const label = element("label", null, "param");
  label.appendChild(element("span", param.name + (param.required ? " *" : ""), "param-name"));
  let input;
  if (param.choices && param.choices.length) {
    input = document.createElement("select");
    if (!param.required || param.default === null) input.appendChild(element("option", "", ""));
    for (const choice of param.choices) {
      const option = element("option", choice);
      option.value = choice;
      if (choice === param.default) option.selected = true;
      input.appendChild(option);
    }
  } else {
    input = document.createElement("input");
    input.type = param.type === "date" ? "date" : "text";
    if (param.default !== null && param.default !== undefined) input.value = param.default;
    input.placeholder = param.type;
  }
  input.name = param.name;
  input.required = Boolean(param.required);
  input.dataset.param = param.name;
  input.addEventListener("input", updateLinks);
  input.addEventListener("change", updateLinks);
  label.appendChild(input);
  label.appendChild(element("span", param.type + (param.language ? "@" + param.language : ""), "quiet type"));
  return label;
}

function selectedReport() {
  return catalogue.find((r) => r.name === $("report-name").value);
}

function reportQuery() {
  const params = new URLSearchParams();
  for (const input of $("report-params").querySelectorAll("[data-param]")) {
    if (input.value !== "") params.set(input.dataset.param, input.value);
  }
  const text = params.toString();
  return text ? "?" + text : "";
}

function reportUrl(extension) {
  const report = selectedReport();
  return report ? `/reports/${encodeURIComponent(report.name)}${extension}${reportQuery()}` : "/reports";
}

function updateLinks() {
  $("report-csv").href = reportUrl(".csv");
  $("report-json").href = reportUrl(".json");
}

function showReport() {
  const report = selectedReport();
  const fields = $("report-params");
  for (const old of Array.from(fields.querySelectorAll("label"))) old.remove();
  clear($("report-result"));
  if (!report) return;
  $("report-summary").textContent = report.summary;
  $("report-description").textContent = report.description;
  for (const param of report.parameters) fields.appendChild(parameterInput(param));
  fields.hidden = report.parameters.length === 0;
  updateLinks();
}

async function loadCatalogue() {
  const response = await fetch("/reports", { headers: { Accept: "application/json" } });
  if (!response.ok) {
    showError($("report-result"), response.status, await response.text());
    return;
  }
  catalogue = await response.json();
  const select = $("report-name");
  clear(select);
  for (const report of catalogue) {
    const option = element("option", `${report.name} — ${report.summary}`);
    option.value = report.name;
    select.appendChild(option);
  }
  showReport();
}

async function runReport(event) {
  event.preventDefault();
  const target = $("report-result");
  clear(target);
  target.appendChild(element("p", "Running…", "quiet"));
  $("report-run").disabled = true;
  const started = performance.now();
  try {
    const response = await fetch(reportUrl(".json"), { headers: { Accept: "application/sparql-results+json" } });
    await answer(response, target, started, true);
  } catch (error) {
    showError(target, 0, String(error));
  } finally {
    $("report-run").disabled = false;
  }
}

async function loadStatus() {
  try {
    const response = await fetch("/status");
    if (!response.ok) return;
    const s = await response.json();
    $("server-status").textContent = `trialgraph ${s.trialgraph} · ${s.readOnly ? "read-only" : "read-write"} · ` +
      `time limit ${s.timeLimit} s · at most ${s.maxRows.toLocaleString()} rows per answer`;
  } catch (error) {
    // the page still works without the status line
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("query-form").addEventListener("submit", runQuery);
  $("query").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) runQuery(event);
  });
  $("report-name").addEventListener("change", showReport);
  $("report-form").addEventListener("submit", runReport);
  loadCatalogue();
  loadStatus();
});
