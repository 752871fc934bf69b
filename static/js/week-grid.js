// The week grid, for keyboard users as much as for mouse users (the keys are listed on the page):
// - Tab / Shift+Tab: next / previous cell (the browser's own order: along the row);
// - 0, 1, 2, 3 in a severity cell: choose the severity (the browser's own select typing);
// - Ctrl+↓ / Ctrl+↑ (⌘+↓ / ⌘+↑ on a Mac): the same column in the next / previous student's row;
// - Enter in any cell: save the week (in the note field that is the browser's own behaviour).
// Plain arrows, Space, Alt+↓ and F4 keep their native meaning in a select (change the value /
// open the list), so nothing a keyboard user already knows stops working.
(function () {
  const form = document.getElementById("week-grid");
  if (!form) return;

  // Colour a severity cell as soon as it changes, so the grid reads at a glance.
  form.querySelectorAll("select.severity").forEach((select) => {
    select.addEventListener("change", () => {
      select.className = select.className.replace(/\bsev-\d\b/, "sev-" + select.value);
      select.closest("td").classList.remove("carried");
    });
  });

  const focusable = "select, input, textarea, a[href], button";

  function moveRow(from, step) {
    const cell = from.closest("td, th");
    const row = cell && cell.closest("tbody tr");
    if (!row) return false;
    let target = row;
    do {
      target = step > 0 ? target.nextElementSibling : target.previousElementSibling;
    } while (target && !target.cells[cell.cellIndex]);
    const control = target && target.cells[cell.cellIndex].querySelector(focusable);
    if (!control) return false;
    control.focus();
    return true;
  }

  form.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.shiftKey) return;
    const target = event.target;
    if ((event.ctrlKey || event.metaKey) && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      if (moveRow(target, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
      return;
    }
    // Enter on a closed select would open its list on some systems; here it saves, like Enter
    // in the note field. Space or Alt+↓ still open the list.
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && target.tagName === "SELECT") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
