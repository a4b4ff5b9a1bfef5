"""The site's one stylesheet and one script, written next to the pages (no build step, nothing fetched).

The script only adds behaviour: sorting by a click on a column header (again: the other direction), and
filter menus above tables whose columns ask for them. Without JavaScript every table is still there.
"""

CSS = """\
:root { --fg: #1b1f24; --muted: #5b6470; --line: #d5dbe1; --bg: #fff; --soft: #f4f6f8; --accent: #0b5cad;
  --ok: #1a7f37; --bad: #c62828; --drop: #fde2e1; --ins: #dcf5e3; --meta: #e8e0fb; --metafg: #4a2a9b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
main { max-width: 1400px; margin: 0 auto; padding: 0 1rem 2rem; }
nav.crumbs, footer { max-width: 1400px; margin: 0 auto; padding: .6rem 1rem; color: var(--muted); font-size: .9em; }
footer { border-top: 1px solid var(--line); margin-top: 2rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .4rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: .2rem 0 .5rem; overflow-wrap: anywhere; }
code, .mono, pre, .prompt { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; margin: .5rem 0 1rem; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
caption { text-align: left; padding: .4rem .6rem; color: var(--muted); }
th, td { padding: .35rem .6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
td a { white-space: nowrap; }
table.dictionary { width: auto; }
th { background: var(--soft); white-space: nowrap; position: sticky; top: 0; }
.js table.sortable th { cursor: pointer; user-select: none; }
.js table.sortable th::after { content: " \\2195"; color: var(--muted); font-size: .8em; }
th[aria-sort=ascending]::after { content: " \\25B2" !important; color: var(--fg) !important; }
th[aria-sort=descending]::after { content: " \\25BC" !important; color: var(--fg) !important; }
tbody tr:hover { background: var(--soft); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin: .5rem 0; }
.filters label { font-size: .9em; color: var(--muted); }
.filters select, .filters input { font: inherit; padding: .2rem .3rem; max-width: 22rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0 1rem; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
img.plot { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.cards { display: grid; grid-template-columns: 1fr; gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; background: var(--bg); }
.card h2 { margin-top: 0; border: 0; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 1rem; align-items: start; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: .7rem .9rem; min-width: 0; }
.panel h4 { margin: .8rem 0 .3rem; font-size: .9rem; color: var(--muted); }
.prompt { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--soft); padding: .5rem .6rem;
  border-radius: 6px; margin: 0; line-height: 1.6; }
.mt { display: inline-block; background: var(--meta); color: var(--metafg); border: 1px solid #b9a7ee;
  border-radius: 4px; padding: 0 .25em; margin: 0 .1em; font-weight: 600; line-height: 1.3; white-space: nowrap; }
.delim { display: inline-block; background: #333; color: #fff; border-radius: 4px; padding: 0 .3em; margin: 0 .15em;
  font-weight: 600; line-height: 1.3; }
code.run { font-size: 1em; white-space: pre; background: var(--soft); border: 1px dashed var(--line); padding: 0 .2em; }
.ws { color: var(--muted); }
del.drop { background: var(--drop); color: #8a1c1c; text-decoration: line-through; text-decoration-thickness: 2px; }
ins.ins { background: var(--ins); color: #0f5323; text-decoration: underline; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.tag { display: inline-block; font-size: .75em; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5em;
  color: var(--muted); vertical-align: middle; }
.tag.partial { color: #7a5500; background: #fff4ce; border-color: #e0c35c; font-weight: 600; }
.warn { background: #fff4ce; border: 1px solid #e0c35c; padding: .4rem .6rem; border-radius: 6px; }
.answer { margin: .5rem 0; }
.pager { display: flex; gap: 1rem; justify-content: space-between; margin: .5rem 0 1rem; }
td.mark { text-align: center; }
@media (max-width: 700px) {
  body { font-size: 14px; }
  main { padding: 0 .6rem 1.5rem; }
  .panels { grid-template-columns: 1fr; }
  dl.meta { grid-template-columns: 1fr; }
  dl.meta dt { margin-top: .3rem; }
}
"""

JS = """\
// ltsc-bench site: sortable and filterable tables. Everything works without it; it only adds behaviour.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function cellKey(row, col) {
    var td = row.cells[col];
    if (!td) return { num: null, text: "" };
    var v = td.getAttribute("data-v");
    return { num: v === null || v === "" ? null : Number(v), text: td.textContent.trim() };
  }

  function compare(a, b) {
    if (a.num !== null && b.num !== null) return a.num - b.num;
    if (a.num !== null) return -1;
    if (b.num !== null) return 1;
    if (a.text === "" || b.text === "") return (a.text === "") - (b.text === "");
    return a.text.localeCompare(b.text, undefined, { numeric: true });
  }

  function sortBy(table, th) {
    var col = th.cellIndex;
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return { r: r, k: cellKey(r, col), i: i }; });
    rows.sort(function (x, y) {
      var c = compare(x.k, y.k);
      if (dir === "descending") c = -c;
      return c || x.i - y.i;
    });
    rows.forEach(function (x) { body.appendChild(x.r); });
  }

  function addFilters(table) {
    var heads = Array.prototype.filter.call(table.tHead.rows[0].cells, function (h) { return h.hasAttribute("data-filter"); });
    if (!heads.length) return;
    var bar = document.createElement("div");
    bar.className = "filters";
    var selects = heads.map(function (h) {
      var label = document.createElement("label");
      var select = document.createElement("select");
      var values = {};
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) { values[r.cells[h.cellIndex].textContent.trim()] = 1; });
      select.appendChild(new Option("all", ""));
      Object.keys(values).sort().forEach(function (v) { select.appendChild(new Option(v, v)); });
      select.setAttribute("data-col", h.cellIndex);
      label.appendChild(document.createTextNode(h.textContent + " "));
      label.appendChild(select);
      bar.appendChild(label);
      return select;
    });
    var text = document.createElement("input");
    text.type = "search";
    text.placeholder = "filter rows";
    text.setAttribute("aria-label", "filter rows");
    bar.appendChild(text);
    var count = document.createElement("span");
    count.className = "muted";
    bar.appendChild(count);
    function apply() {
      var shown = 0, rows = table.tBodies[0].rows, needle = text.value.toLowerCase();
      Array.prototype.forEach.call(rows, function (r) {
        var ok = selects.every(function (s) {
          return !s.value || r.cells[Number(s.getAttribute("data-col"))].textContent.trim() === s.value;
        }) && (!needle || r.textContent.toLowerCase().indexOf(needle) >= 0);
        r.hidden = !ok;
        shown += ok ? 1 : 0;
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    selects.forEach(function (s) { s.addEventListener("change", apply); });
    text.addEventListener("input", apply);
    var wrap = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    wrap.parentNode.insertBefore(bar, wrap);
    apply();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      if (!table.tHead || !table.tBodies.length) return;
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
        th.tabIndex = 0;
        th.title = "sort by " + th.textContent;
        th.addEventListener("click", function () { sortBy(table, th); });
        th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th); } });
      });
      addFilters(table);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
"""
