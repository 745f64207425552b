/* A campaign's results: Chart.js charts drawn from the page's json_script data. The figures are
   in the table beside them, so nothing depends on this script. */
(function () {
  "use strict";

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function draw() {
    var source = document.getElementById("campaign-chart-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    var colours = [css("--accent", "#3b5bdb"), "#f59f00", "#37b24d"];
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var variants = document.getElementById("chart-variants");
    if (variants) {
      new Chart(variants, {
        type: "bar",
        data: {
          labels: data.metrics,
          datasets: data.series.map(function (s, i) {
            return { label: s.label, data: s.values, backgroundColor: colours[i % colours.length] };
          })
        },
        options: { responsive: true, maintainAspectRatio: false, animation: reduced ? false : undefined,
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
    var hours = document.getElementById("chart-hours");
    if (hours && data.hours.length) {
      new Chart(hours, {
        type: "line",
        data: {
          labels: data.hours,
          datasets: [
            { label: data.opened_label, data: data.opened, borderColor: colours[0], tension: 0 },
            { label: data.clicked_label, data: data.clicked, borderColor: colours[1], tension: 0 }
          ]
        },
        options: { responsive: true, maintainAspectRatio: false, animation: reduced ? false : undefined,
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
