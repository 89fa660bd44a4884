// Tables of the portal pages become card lists on narrow screens (static/css/site.css, ".portal-page table"):
// each cell shows its column's heading before its value, read from a data-label attribute. A template may set
// data-label itself; otherwise it is filled here from the table's last header row (colspan counted; a cell spanning columns gets none), for the
// page and for every fragment htmx swaps in.
(function () {
  function headings(table) {
    const rows = table.tHead ? table.tHead.rows : [];
    if (!rows.length) return null;
    const labels = [];
    for (const cell of rows[rows.length - 1].cells) {
      const text = cell.textContent.replace(/\s+/g, " ").trim();
      for (let i = 0; i < (cell.colSpan || 1); i++) labels.push(text);
    }
    return labels;
  }

  function label(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const tables = scope.matches && scope.matches("table") ? [scope] : scope.querySelectorAll("table");
    for (const table of tables) {
      const labels = headings(table);
      if (!labels) continue;
      for (const section of [...table.tBodies, table.tFoot].filter(Boolean)) {
        for (const row of section.rows) {
          let column = 0;
          for (const cell of row.cells) {
            const span = cell.colSpan || 1;
            if (!cell.hasAttribute("data-label") && span === 1) {  // a cell over several columns is its own label
              cell.setAttribute("data-label", labels[column] || "");
            }
            column += span;
          }
        }
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:load", function (event) { label(event.target.closest("table") || event.target); });
})();
