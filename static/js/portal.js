// Small enhancements on every page. The Content-Security-Policy allows no inline scripts or
// handlers, so they live here.
(function () {
  // A form came back with errors: move the focus to the first problem so that a screen
  // reader announces it (the field's label, "invalid" and the error text it is described by)
  // and a keyboard user can fix it at once. The first problem in reading order: a form-level error or a field.
  const main = document.getElementById("main");
  const problem = main && main.querySelector(
    "form .alert-danger, .alert-danger[role='alert'], [aria-invalid='true']");
  if (problem) {
    if (!problem.matches("input, select, textarea, button")) problem.setAttribute("tabindex", "-1");
    problem.focus();
  }

  // A table wider than the screen scrolls inside its .table-responsive wrapper; a keyboard
  // user can only scroll it when the wrapper takes the focus, and a screen reader names it
  // after the table's caption.
  function scrollableTables() {
    document.querySelectorAll(".table-responsive").forEach((wrapper) => {
      const scrolls = wrapper.scrollWidth > wrapper.clientWidth + 1;
      const caption = wrapper.querySelector("caption");
      if (scrolls && !wrapper.hasAttribute("tabindex")) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.dataset.madeFocusable = "1";
        if (caption && caption.textContent.trim()) {
          wrapper.setAttribute("role", "region");
          wrapper.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (!scrolls && wrapper.dataset.madeFocusable) {
        ["tabindex", "role", "aria-label", "data-made-focusable"].forEach((a) => wrapper.removeAttribute(a));
      }
    });
  }
  scrollableTables();
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(scrollableTables, 100);
  });

  // Print buttons (<button data-print>): window.print() without an inline onclick. Handled
  // once, here, before any other script's listener on the button could print a second time.
  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-print]")) return;
    event.stopImmediatePropagation();
    window.print();
  }, true);

  // Printed pages show the tables behind the charts, which are folded away in <details> on
  // screen (print CSS does the same in browsers that style ::details-content).
  const opened = [];
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details:not([open])").forEach((details) => {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", () => {
    opened.splice(0).forEach((details) => { details.open = false; });
  });
})();
