// Draws one chart per subject from the JSON the page embeds (#chart-data): grades, the
// pass line at 5,5, a plan's goal as an aim line, and where plans started and ended.
// The same figures are in a table beside each chart for screen readers and print.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const start = new Date(data.year_start + "T00:00:00");
  const pad = (n) => String(n).padStart(2, "0");
  const dateOf = (day) => {
    const d = new Date(start.getTime() + day * 86400000);
    return pad(d.getDate()) + "-" + pad(d.getMonth() + 1) + "-" + d.getFullYear();
  };
  const comma = (n) => String(n).replace(".", ",");

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const chart = data.charts[Number(canvas.dataset.chart)];
    const datasets = [
      {
        label: chart.subject,
        data: chart.points,
        borderColor: "#0d6efd",
        backgroundColor: chart.points.map((p) => (p.insufficient ? "#dc3545" : "#0d6efd")),
        pointRadius: 4,
        tension: 0.2,
      },
      {
        label: "5,5",
        data: [{ x: 0, y: data.pass }, { x: data.days, y: data.pass }],
        borderColor: "#dc3545",
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
      },
    ];
    chart.aims.forEach((aim) => {
      datasets.push({
        label: aim.title + " ≥ " + comma(aim.y),
        data: [{ x: aim.from, y: aim.y }, { x: aim.to, y: aim.y }],
        borderColor: "#146c43",
        borderDash: [3, 3],
        borderWidth: 3,
        pointRadius: 0,
      });
    });
    if (chart.markers.length) {
      datasets.push({
        label: "plan",
        type: "scatter",
        data: chart.markers.map((m) => ({ x: m.x, y: 1.3, title: m.title, kind: m.kind })),
        pointStyle: chart.markers.map((m) => "triangle"),
        rotation: chart.markers.map((m) => (m.kind === "end" ? 180 : 0)),
        pointRadius: 7,
        backgroundColor: "#6f42c1",
        borderColor: "#6f42c1",
      });
    }
    new window.Chart(canvas, {
      type: "line",
      data: { datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        parsing: true,
        scales: {
          x: { type: "linear", min: 0, max: data.days, ticks: { stepSize: 61, callback: (v) => dateOf(v).slice(0, 5) } },
          y: { min: 1, max: 10, ticks: { stepSize: 1 } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: (items) => dateOf(items[0].parsed.x),
              label: (item) => {
                const raw = item.raw;
                if (raw.kind) return (raw.kind === "start" ? "▲ " : "▼ ") + raw.title;
                if (raw.test) return raw.test + ": " + (raw.text || comma(raw.y.toFixed(1)));
                return item.dataset.label;
              },
            },
          },
        },
      },
    });
  });
})();
