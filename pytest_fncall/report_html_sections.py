"""The HTML report's optional sections: robustness (``perturb:`` variants against the
original cases) and coverage (``--fncall-coverage``). A second inline script, with the
same rule as :mod:`report_html_script`: report text reaches the page as text nodes only.
A section whose data the report lacks stays hidden."""

from __future__ import annotations

SECTIONS_BODY = """
<section id="robustness-wrap" hidden><h2>Robustness</h2>
  <p class="muted">Pass rate of each perturbed variant against the same cases unperturbed.</p>
  <div id="robustness"></div></section>
<section id="coverage-wrap" hidden><h2>Coverage</h2>
  <p class="muted">Declared tools, parameters and enum values the selected cases'
  expectations exercise.</p>
  <div id="coverage"></div></section>
"""

SECTIONS_SCRIPT = r"""
"use strict";
(() => {
  const report = JSON.parse(document.getElementById("fncall-data").textContent);
  const byId = (id) => document.getElementById(id);
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  const pct = (x) => (x === null || x === undefined) ? "–" : (x * 100).toFixed(1) + "%";
  const head = (names) => el("thead", {}, el("tr", {},
    names.map((n) => el("th", {scope: "col"}, n))));

  function renderRobustness() {
    const robustness = report.robustness || {};
    const models = Object.keys(robustness);
    if (!models.length) return;
    byId("robustness-wrap").hidden = false;
    const rows = models.flatMap((model) => robustness[model].map((r) => el("tr", {},
      el("th", {scope: "row"}, model),
      el("td", {}, String(r.perturbation)),
      el("td", {class: "num"}, String(r.cases)),
      el("td", {class: "num"}, pct(r.pass_rate)),
      el("td", {class: "num"}, pct(r.original_pass_rate)),
      el("td", {class: "num"}, r.delta === null || r.delta === undefined
        ? "–" : (r.delta > 0 ? "+" : "") + Number(r.delta).toFixed(1) + " pp"))));
    byId("robustness").append(el("table", {},
      head(["model", "perturbation", "cases", "pass rate", "original", "delta"]),
      el("tbody", {}, rows)));
  }

  function untested(file) {
    const tools = [], params = [], values = [];
    for (const tool of file.tools || []) {
      if (!tool.exercised) { tools.push(tool.name); continue; }
      for (const p of tool.parameters || []) {
        if (!p.exercised) params.push(tool.name + "." + p.name);
        for (const v of p.enum || []) {
          if (!v.exercised) values.push(tool.name + "." + p.name + "=" + JSON.stringify(v.value));
        }
      }
    }
    return {tools: tools, parameters: params, enum_values: values};
  }

  function renderCoverage() {
    const coverage = report.coverage;
    if (!coverage || !(coverage.files || []).length) return;
    byId("coverage-wrap").hidden = false;
    const kinds = [
      ["tools", "tools"], ["parameters", "parameters"], ["enum_values", "enum values"]];
    const rows = coverage.files.map((file) => {
      const missing = untested(file);
      return el("tr", {},
        el("th", {scope: "row"}, String(file.file)),
        el("td", {class: "num"}, String(file.cases)),
        kinds.map(([key]) => {
          const c = (file.counts || {})[key] || {};
          return el("td", {class: "num"}, (c.exercised ?? 0) + "/" + (c.total ?? 0));
        }),
        el("td", {}, kinds.flatMap(([key, label]) => missing[key].length
          ? [el("div", {}, el("span", {class: "label"}, label + ": "),
               missing[key].join(", "))] : [])));
    });
    byId("coverage").append(el("table", {},
      head(["file", "cases", "tools", "parameters", "enum values", "untested"]),
      el("tbody", {}, rows)));
  }

  renderRobustness();
  renderCoverage();
})();
"""
