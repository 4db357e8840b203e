// Draws "My skills" from the JSON the page embeds; the table below holds the same figures.
(function () {
  "use strict";
  var source = document.getElementById("skills-chart-data");
  var canvas = document.getElementById("skills-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var datasets = [
    { label: "Current level", data: data.current, backgroundColor: "rgba(11, 87, 208, 0.75)" },
    { label: "Required for my role", data: data.required, backgroundColor: "rgba(90, 90, 90, 0.35)",
      borderColor: "#444", borderWidth: 1 }
  ];
  if (data.minimumLabel) {
    datasets.push({ label: data.minimumLabel, data: data.minimum, type: "line", borderColor: "#8a5a00",
      backgroundColor: "#8a5a00", borderDash: [6, 4], pointStyle: "rectRot", pointRadius: 5, showLine: false });
  }
  canvas.dataset.ready = "true";
  new Chart(canvas, {
    type: "bar",
    data: { labels: data.labels, datasets: datasets },
    options: {
      indexAxis: "y",
      responsive: true,
      animation: false,
      scales: { x: { min: 0, max: 5, ticks: { stepSize: 1 } } },
      plugins: { legend: { position: "bottom" } }
    }
  });
})();
