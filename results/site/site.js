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
