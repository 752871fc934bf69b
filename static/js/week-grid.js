// Colour a severity cell as soon as it changes, so the grid reads at a glance.
document.querySelectorAll("#week-grid select.severity").forEach((select) => {
  select.addEventListener("change", () => {
    select.className = select.className.replace(/\bsev-\d\b/, "sev-" + select.value);
    select.closest("td").classList.remove("carried");
  });
});
