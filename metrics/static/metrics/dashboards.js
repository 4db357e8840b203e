/* Draws every <canvas data-chart="id"> from the Chart.js configuration in its
   data-config attribute or in the JSON script element with that id; again after htmx swaps in new content. A "marker"
   (a label on the x axis) is drawn as a dashed vertical line, e.g. a cohort start. */
(function () {
  "use strict";

  var markerPlugin = {
    id: "trellisMarker",
    afterDatasetsDraw: function (chart, args, options) {
      var label = options && options.label;
      if (!label) return;
      var index = chart.data.labels.indexOf(label);
      if (index < 0) return;
      var x = chart.scales.x.getPixelForValue(index);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#333";
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      ctx.fillStyle = "#333";
      ctx.fillText(options.text || "start", x + 4, area.top + 10);
      ctx.restore();
    },
  };

  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      // The configuration is in the canvas's data-config (content htmx swaps in keeps no
      // <script> elements) or in the JSON script element with the chart's id.
      var source = canvas.dataset.config || (document.getElementById(canvas.dataset.chart) || {}).textContent;
      if (!source) return;
      var existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      var config = JSON.parse(source);
      config.plugins = [markerPlugin];
      new Chart(canvas, config);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      draw(event.detail.target);
    });
  });
})();
