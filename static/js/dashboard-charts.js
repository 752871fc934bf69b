// Draws the dashboard charts from the JSON the page embeds (#dashboard-charts). Every chart
// has the same figures in a table beside it (for screen readers, print and "<10" cells,
// which are gaps here). Print buttons and folded tables for print: static/js/portal.js.
(function () {
  const source = document.getElementById("dashboard-charts");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const comma = (n) => (n === null || n === undefined ? "<10" : String(n).replace(".", ","));
  const colours = ["#0d6efd", "#b02a37", "#146c43"];
  const dashes = [[], [6, 4], [2, 3]];  // not colour alone: each series has its own line style
  const percent = { ticks: { callback: (v) => comma(v) + " %" }, beginAtZero: true };

  const draw = (name, build) => {
    const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
    if (canvas && data[name]) new Chart(canvas, build(data[name]));
  };
  const tooltip = (suffix) => ({
    callbacks: { label: (ctx) => `${ctx.dataset.label}: ${comma(ctx.raw)}${suffix}` },
  });

  draw("over_time", (chart) => ({
    type: "line",
    data: {
      labels: chart.labels,
      datasets: chart.series.map((values, i) => ({
        label: chart.names[i], data: values, borderColor: colours[i], backgroundColor: colours[i],
        borderDash: dashes[i], tension: 0.2, pointRadius: 3, spanGaps: false,
      })),
    },
    options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
               plugins: { tooltip: tooltip("") } },
  }));

  draw("groups", (chart) => ({
    type: "bar",
    data: {
      labels: chart.labels,
      datasets: chart.series.map((values, i) => ({
        label: chart.names[i], data: values, backgroundColor: ["#0d6efd", "#146c43"][i],
        borderColor: "#212529", borderWidth: i ? 1 : 0,
      })),
    },
    options: { maintainAspectRatio: false, scales: { y: percent }, plugins: { tooltip: tooltip(" %") } },
  }));

  draw("retention", (chart) => ({
    type: "line",
    data: {
      labels: chart.labels,
      datasets: [
        { label: chart.names[0], data: chart.series[0], borderColor: colours[0],
          backgroundColor: colours[0], pointRadius: 4, tension: 0 },
        { label: "3,8 %", data: chart.labels.map(() => chart.target), borderColor: colours[1],
          borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
      ],
    },
    options: { maintainAspectRatio: false, scales: { y: percent }, plugins: { tooltip: tooltip(" %") } },
  }));
})();
