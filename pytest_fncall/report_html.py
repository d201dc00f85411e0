"""The HTML report (``--fncall-html``): one self-contained page over the JSON report's data.

No network: the style and script are inline, and a Content-Security-Policy with their
hashes forbids loading anything else. The report document rides in a
``<script type="application/json">`` (``<``, ``>`` and ``&`` escaped, so no text in it
can close the element) and :mod:`report_html_script` renders it with DOM calls only.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .files import write_atomically
from .report_html_script import SCRIPT
from .report_html_sections import SECTIONS_BODY, SECTIONS_SCRIPT

STYLE = """
:root { --fg: #1d232a; --muted: #6a737d; --line: #d8dee4; --bg: #fff; --panel: #f6f8fa;
  --passed: #1a7f37; --failed: #cf222e; --error: #9a6700; --skipped: #6e7781;
  --xfailed: #8250df; --xpassed: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #8d96a0; --line: #30363d; --bg: #0d1117; --panel: #161b22;
    --passed: #3fb950; --failed: #f85149; --error: #d29922; --skipped: #8d96a0;
    --xfailed: #a371f7; --xpassed: #58a6ff; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 4rem; color: var(--fg);
  background: var(--bg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.5rem; margin: .5rem 0 0; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); }
h4 { margin: 0 0 .5rem; font-size: .8rem; text-transform: uppercase; color: var(--muted); }
h5 { margin: .75rem 0 .25rem; }
a { color: inherit; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--line); text-align: left; }
thead th { font-weight: 600; color: var(--muted); white-space: nowrap; }
caption { text-align: left; color: var(--muted); padding: .25rem 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.rate { white-space: nowrap; }
.track { display: inline-block; width: 4rem; height: .5rem; margin-right: .4rem;
  background: var(--line); border-radius: 3px; overflow: hidden; }
.bar { display: block; height: 100%; background: var(--passed); }
.muted, #generated, #count { color: var(--muted); }
.badge { display: inline-block; min-width: 4.5rem; padding: 0 .4rem; border-radius: 3px;
  color: #fff; font-size: .8rem; text-align: center; background: var(--skipped); }
.badge.passed { background: var(--passed); } .badge.failed { background: var(--failed); }
.badge.error { background: var(--error); } .badge.xfailed { background: var(--xfailed); }
.badge.xpassed { background: var(--xpassed); }
#filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
  padding: .6rem; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
.chip:empty { display: none; }
.chip { padding: 0 .4rem; border: 1px solid var(--line); border-radius: 3px; }
.case { border: 1px solid var(--line); border-radius: 6px; margin: .4rem 0; }
.case > summary { cursor: pointer; padding: .4rem .6rem; list-style-position: inside; }
.nodeid { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.trials { margin-left: .6rem; color: var(--muted); font-size: .85rem; }
.codes { margin-left: .6rem; color: var(--failed); font-size: .85rem; }
.case-body { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem;
  padding: .6rem; border-top: 1px solid var(--line); }
@media (max-width: 800px) { .case-body { grid-template-columns: minmax(0, 1fr); } }
.message { margin: 0 0 .6rem; padding-left: .6rem; border-left: 3px solid var(--line); }
.message.assistant { border-left-color: var(--xpassed); }
.role, .label { font-size: .8rem; color: var(--muted); }
pre { margin: .2rem 0; padding: .4rem .5rem; background: var(--panel); border-radius: 4px;
  white-space: pre-wrap; overflow-wrap: anywhere; font: 12px/1.4 ui-monospace, Menlo, monospace; }
.call { margin: .3rem 0; }
.tool { font-weight: 600; }
.failure { margin: 0 0 .6rem; }
pre.result.error { border-left: 3px solid var(--failed); }
button { font: inherit; cursor: pointer; }
"""

BODY = """
<header>
  <h1>pytest-fncall report</h1>
  <div id="generated"></div>
</header>
<noscript><p>This report renders with JavaScript; the same data is in the JSON report
(--fncall-report).</p></noscript>
<h2>Scoreboard</h2>
<section id="scoreboard"></section>
<h2>Failure codes</h2>
<section id="codes"></section>
<section id="versus-wrap"><h2>Model against model</h2><div id="versus"></div></section>
{sections}
<h2>Cases</h2>
<section id="cases">
  <form id="filters" role="search"></form>
  <p><span id="count"></span>
    <button type="button" id="expand">expand all</button>
    <button type="button" id="collapse">collapse all</button></p>
  <div id="case-list"></div>
</section>
"""


def html_report(report: Mapping[str, Any]) -> str:
    """The page for a report document (as :func:`report_json.build_report` makes it)."""
    policy = (
        "default-src 'none'; img-src data:; "
        f"style-src '{_hash(STYLE)}'; "
        f"script-src '{_hash(SCRIPT)}' '{_hash(SECTIONS_SCRIPT)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    return "".join(
        [
            "<!DOCTYPE html>\n",
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            "<title>pytest-fncall report</title>\n",
            f"<style>{STYLE}</style>\n</head>\n<body>",
            BODY.replace("{sections}", SECTIONS_BODY),
            '<script type="application/json" id="fncall-data">',
            embedded_json(report),
            "</script>\n",
            f"<script>{SCRIPT}</script>\n",
            f"<script>{SECTIONS_SCRIPT}</script>\n</body>\n</html>\n",
        ]
    )


def embedded_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` in it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for character, escape in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(character, escape)
    return text


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def write_html_report(path: Path, report: Mapping[str, Any]) -> None:
    write_atomically(path, html_report(report))
