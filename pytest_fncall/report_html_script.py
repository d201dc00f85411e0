"""The HTML report's script: renders the embedded report with DOM calls only.

Every string from the report (prompts, model text, arguments, messages) reaches the page
through ``textContent`` / text nodes, never ``innerHTML``. Filters live in the URL hash
(``#outcome=failed&model=...&code=...&file=...&disagree=1&q=...``), so a filtered view
is a link, and a page opened with a hash starts filtered.
"""

from __future__ import annotations

SCRIPT = r"""
"use strict";
(() => {
  const report = JSON.parse(document.getElementById("fncall-data").textContent);
  const cases = report.cases || [];
  const models = report.models || [];
  const summary = report.summary || {};
  const disagreements = report.disagreements || [];
  const OUTCOMES = ["passed", "failed", "error", "skipped", "xfailed", "xpassed"];
  const FILTERS = ["outcome", "code", "model", "file", "disagree", "case", "q"];
  const PAGE = 200;
  const OPEN_AT_MOST = 20;
  let limit = PAGE;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "onclick") node.addEventListener("click", value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  const byId = (id) => document.getElementById(id);
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };
  const shown = (c) => {
    if (c.xfail !== null && c.xfail !== undefined) {
      if (c.outcome === "skipped") return "xfailed";
      if (c.outcome === "passed") return "xpassed";
    }
    return String(c.outcome);
  };
  const codesOf = (c) => [...new Set((c.failures || []).map((f) => String(f.code)))];
  const modelOf = (c) => (c.model === null || c.model === undefined ? "" : String(c.model));
  const badge = (outcome) =>
    el("span", {class: "badge " + (OUTCOMES.includes(outcome) ? outcome : "other"),
                text: outcome});
  const rate = (r) => (r === null || r === undefined ? "–" : (r * 100).toFixed(1) + "%");
  const count = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en"));
  const seconds = (s) => {
    if (s === null || s === undefined) return "–";
    if (s < 1) return (s * 1000).toFixed(s < 0.01 ? 1 : 0) + " ms";
    return s.toFixed(2) + " s";
  };
  const pretty = (value) => {
    if (typeof value === "string") return value;
    try { return JSON.stringify(value, null, 2); } catch (e) { return String(value); }
  };
  const caseKeys = new Map();  // nodeid -> the case without its model, if models disagree
  for (const d of disagreements) {
    for (const id of Object.values(d.nodeids || {})) caseKeys.set(id, d.case);
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const state = {};
    for (const key of FILTERS) if (params.get(key)) state[key] = params.get(key);
    return state;
  }
  function hashFor(state) {
    const params = new URLSearchParams();
    for (const key of FILTERS) if (state[key]) params.set(key, state[key]);
    return "#" + params.toString();
  }
  function go(state) {
    limit = PAGE;
    if (hashFor(state) === hashFor(readHash())) render();
    else location.hash = hashFor(state);
  }
  const link = (state, text) => el("a", {href: hashFor(state)}, text);

  function matches(c, s) {
    return (!s.outcome || shown(c) === s.outcome)
      && (!s.code || codesOf(c).includes(s.code))
      && (!s.model || modelOf(c) === s.model)
      && (!s.file || String(c.file) === s.file)
      && (!s.disagree || caseKeys.has(c.nodeid))
      && (!s.case || caseKeys.get(c.nodeid) === s.case)
      && (!s.q || String(c.nodeid).toLowerCase().includes(s.q.toLowerCase()));
  }

  function renderScoreboard() {
    const head = ["model", "cases", "passed", "failed", "errors", "skipped", "xfailed",
                  "pass rate", "tokens in", "tokens out", "latency p50", "latency p95"];
    const rows = models.map((m) => {
      const s = summary[m] || {};
      const usage = s.usage || {};
      const latency = s.latency_s || {};
      const outcomeCell = (n, outcome) =>
        el("td", {class: "num"}, n ? link({model: m, outcome: outcome}, count(n)) : count(n));
      const bar = el("span", {class: "bar"});
      bar.style.width = ((s.pass_rate || 0) * 100).toFixed(1) + "%";
      return el("tr", {},
        el("th", {scope: "row"}, link({model: m}, m)),
        el("td", {class: "num"}, count(s.cases)),
        outcomeCell(s.passed, "passed"), outcomeCell(s.failed, "failed"),
        outcomeCell(s.errors, "error"), outcomeCell(s.skipped, "skipped"),
        outcomeCell(s.xfailed, "xfailed"),
        el("td", {class: "num rate"}, el("span", {class: "track"}, bar), rate(s.pass_rate)),
        el("td", {class: "num"}, count(usage.input_tokens)),
        el("td", {class: "num"}, count(usage.output_tokens)),
        el("td", {class: "num"}, seconds(latency.p50)),
        el("td", {class: "num"}, seconds(latency.p95)));
    });
    const table = el("table", {},
      el("thead", {}, el("tr", {}, head.map((h) => el("th", {scope: "col"}, h)))),
      el("tbody", {}, rows));
    const none = el("p", {text: "No case ran against a model."});
    byId("scoreboard").append(models.length ? table : none);

    const codes = [...new Set(models.flatMap((m) => Object.keys((summary[m] || {}).codes || {})))];
    codes.sort();
    if (!codes.length) {
      byId("codes").append(el("p", {text: "No failure codes."}));
      return;
    }
    byId("codes").append(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "failure code"),
        models.map((m) => el("th", {scope: "col"}, m)))),
      el("tbody", {}, codes.map((code) => el("tr", {},
        el("th", {scope: "row"}, link({code: code}, code)),
        models.map((m) => {
          const n = ((summary[m] || {}).codes || {})[code] || 0;
          return el("td", {class: "num"}, n ? link({code: code, model: m}, String(n)) : "0");
        }))))));
  }

  function renderVersus() {
    const section = byId("versus");
    if (models.length < 2) { byId("versus-wrap").hidden = true; return; }
    section.append(el("p", {},
      disagreements.length + " case(s) where the models disagree; ",
      disagreements.length ? link({disagree: "1"}, "show them below") : "none"));
    const beats = (a, b) => disagreements.filter(
      (d) => d.outcomes[a] === "passed" && d.outcomes[b] && d.outcomes[b] !== "passed").length;
    section.append(el("table", {class: "versus"},
      el("caption", {text: "cases the row's model passes and the column's model does not"}),
      el("thead", {}, el("tr", {}, el("th", {}, ""),
        models.map((m) => el("th", {scope: "col"}, m)))),
      el("tbody", {}, models.map((a) => el("tr", {}, el("th", {scope: "row"}, a),
        models.map((b) => el("td", {class: "num"}, a === b ? "–" : String(beats(a, b)))))))));
    if (!disagreements.length) return;
    section.append(el("table", {class: "disagree"},
      el("thead", {}, el("tr", {}, el("th", {scope: "col"}, "case"),
        models.map((m) => el("th", {scope: "col"}, m)))),
      el("tbody", {}, disagreements.map((d) => el("tr", {},
        el("th", {scope: "row"}, link({case: d.case}, d.case)),
        models.map((m) => el("td", {},
          d.outcomes[m] ? badge(d.outcomes[m]) : "–",
          " ", ((d.codes || {})[m] || []).join(", "))))))));
  }

  function option(value, label) { return el("option", {value: value}, label); }
  function renderFilters() {
    const present = (values) => [...new Set(values)].filter((v) => v !== "").sort();
    const choices = {
      outcome: OUTCOMES.filter((o) => cases.some((c) => shown(c) === o)),
      code: present(cases.flatMap(codesOf)),
      model: present(cases.map(modelOf)),
      file: present(cases.map((c) => String(c.file))),
    };
    const form = byId("filters");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      go({...readHash(), q: byId("filter-q").value});
    });
    for (const [key, values] of Object.entries(choices)) {
      const select = el("select", {id: "filter-" + key, name: key},
        option("", "any " + key), values.map((v) => option(v, v)));
      select.addEventListener("change", () => go({...readHash(), [key]: select.value}));
      form.append(el("label", {}, key + " ", select));
    }
    const search = el("input", {id: "filter-q", type: "search", placeholder: "node id contains"});
    search.addEventListener("change", () => go({...readHash(), q: search.value}));
    form.append(el("label", {}, "search ", search));
    if (models.length >= 2) {
      const box = el("input", {id: "filter-disagree", type: "checkbox"});
      box.addEventListener("change", () => go({...readHash(), disagree: box.checked ? "1" : ""}));
      form.append(el("label", {}, box, " only cases where models disagree"));
    }
    form.append(el("span", {id: "filter-case", class: "chip"}),
      el("button", {type: "button", onclick: () => go({})}, "clear filters"));
  }
  function syncFilters(state) {
    for (const key of ["outcome", "code", "model", "file"]) {
      const select = byId("filter-" + key);
      const value = state[key] || "";
      if (![...select.options].some((o) => o.value === value)) select.append(option(value, value));
      select.value = value;
    }
    byId("filter-q").value = state.q || "";
    if (byId("filter-disagree")) byId("filter-disagree").checked = Boolean(state.disagree);
    const chip = byId("filter-case");
    clear(chip);
    if (state.case) {
      const any = () => go({...state, case: ""});
      chip.append("case " + state.case + " ",
        el("button", {type: "button", title: "any case", onclick: any}, "×"));
    }
  }

  function renderCall(call) {
    const parts = [el("code", {class: "tool", text: call.name})];
    if (call.arguments === null || call.arguments === undefined) {
      parts.push(el("div", {class: "label", text: "arguments (not a JSON object, as sent):"}),
                 el("pre", {class: "raw", text: call.raw_arguments}));
    } else {
      parts.push(el("pre", {class: "args", text: pretty(call.arguments)}));
    }
    const result = call.result;
    if (result !== null && result !== undefined) {
      const kind = (result.is_error ? "error" : "result")
        + (result.fault ? " (injected " + result.fault + ")" : "") + ":";
      parts.push(el("div", {class: "label", text: kind}),
                 el("pre", {class: result.is_error ? "result error" : "result",
                            text: typeof result.content === "string"
                              ? result.content : pretty(result)}));
    }
    return el("div", {class: "call"}, parts);
  }
  function renderTranscript(c) {
    const box = el("div", {class: "transcript"}, el("h4", {text: "transcript"}));
    for (const message of c.messages || []) {
      box.append(el("div", {class: "message"},
        el("div", {class: "role", text: String(message.role)}),
        el("pre", {class: "text", text: pretty(message.content ?? "")})));
    }
    const trials = c.trials || [];
    trials.forEach((trial, t) => {
      if (trials.length > 1) {
        const outcome = badge(trial.passed ? "passed" : "failed");
        box.append(el("h5", {}, "trial " + (t + 1) + " ", outcome));
      }
      const steps = trial.steps || [];
      steps.forEach((step, s) => {
        const label = steps.length > 1 ? "assistant, step " + (s + 1) : "assistant";
        const calls = step.calls || [];
        box.append(el("div", {class: "message assistant"},
          el("div", {class: "role", text: label}),
          step.text ? el("pre", {class: "text", text: step.text}) : null,
          calls.map(renderCall),
          !step.text && !calls.length ? el("p", {class: "muted", text: "(empty reply)"}) : null));
      });
    });
    if (!trials.length) {
      box.append(el("p", {class: "muted", text: "No answer from the model was judged."}));
    }
    return box;
  }
  function renderVerdict(c) {
    const box = el("div", {class: "verdict"}, el("h4", {text: "checks"}));
    if (c.expect !== undefined && c.expect !== null) {
      const lines = Array.isArray(c.expect) && c.expect.every((x) => typeof x === "string");
      box.append(el("div", {class: "label", text: "expected:"}),
        el("pre", {text: lines ? c.expect.join("\n") : pretty(c.expect)}));
    }
    for (const failure of c.failures || []) {
      box.append(el("div", {class: "failure"},
        el("div", {}, link({code: String(failure.code)}, String(failure.code)),
          ": ", String(failure.message)),
        (failure.details || []).length ? el("pre", {text: failure.details.join("\n")}) : null));
    }
    if (c.error) {
      box.append(el("div", {class: "failure"},
        el("strong", {text: "error"}), el("pre", {text: c.error})));
    }
    const r = c.reliability;
    if (r && r.n) {
      const byK = (rates) => Object.entries(rates || {}).map(([k, v]) => k + ": " + v).join(", ");
      box.append(el("p", {}, "trials: " + r.c + " of " + r.n + " passed",
        el("br"), "pass^k: " + byK(r.pass_hat_k), el("br"), "pass@k: " + byK(r.pass_at_k)));
    }
    if (c.xfail !== null && c.xfail !== undefined) {
      box.append(el("p", {}, "xfail: ", String(c.xfail)));
    }
    if (!(c.failures || []).length && !c.error) {
      box.append(el("p", {class: "muted", text: "Every check passed."}));
    }
    return box;
  }
  function renderCase(c, open) {
    const codes = codesOf(c);
    return el("details", {class: "case", open: open},
      el("summary", {}, badge(shown(c)), " ",
        el("span", {class: "nodeid", text: c.nodeid}),
        c.reliability && c.reliability.n > 1
          ? el("span", {class: "trials", text: c.reliability.c + "/" + c.reliability.n + " trials"})
          : null,
        codes.length ? el("span", {class: "codes", text: codes.join(", ")}) : null),
      el("div", {class: "case-body"}, renderTranscript(c), renderVerdict(c)));
  }

  function render() {
    const state = readHash();
    syncFilters(state);
    const selected = cases.filter((c) => matches(c, state));
    byId("count").textContent = "showing " + Math.min(selected.length, limit) + " of "
      + selected.length + " matching cases (" + cases.length + " in the run)";
    const list = byId("case-list");
    clear(list);
    const few = selected.length <= OPEN_AT_MOST;  // then failures start open
    for (const c of selected.slice(0, limit)) {
      list.append(renderCase(c, few && ["failed", "error"].includes(shown(c))));
    }
    if (selected.length > limit) {
      list.append(el("button", {type: "button", onclick: () => { limit += PAGE; render(); }},
        "show " + Math.min(PAGE, selected.length - limit) + " more"));
    }
  }
  function expandAll(open) {
    for (const node of byId("case-list").querySelectorAll("details")) node.open = open;
  }

  byId("generated").textContent = (report.generated_by || "pytest-fncall") + " · "
    + cases.length + " cases · " + models.length + " model(s)";
  byId("expand").addEventListener("click", () => expandAll(true));
  byId("collapse").addEventListener("click", () => expandAll(false));
  renderScoreboard();
  renderVersus();
  renderFilters();
  window.addEventListener("hashchange", () => { limit = PAGE; render(); });
  render();
  document.body.setAttribute("data-ready", "1");
})();
"""
