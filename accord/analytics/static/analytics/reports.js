/* The report builder: picking other records starts a new pivot of them; a filter offers only the
   conditions its field understands; the chart is drawn from the page's json_script data. The pivot
   table is in the page, so nothing depends on this script. */
(function () {
  "use strict";

  function setUpEntity() {
    var select = document.querySelector("[data-autosubmit]");
    if (!select) return;
    select.addEventListener("change", function () {
      // Rows, columns, measures and filters belong to the records chosen before.
      window.location.search = "?entity=" + encodeURIComponent(select.value);
    });
  }

  function setUpFilters() {
    var source = document.getElementById("pivot-operators");
    if (!source) return;
    var byKind = JSON.parse(source.textContent);
    document.querySelectorAll("[data-filter-row]").forEach(function (row) {
      var field = row.querySelector("[data-filter-field]");
      var op = row.querySelector("[data-filter-op]");
      function sync() {
        var chosen = field.options[field.selectedIndex];
        var kind = chosen ? chosen.getAttribute("data-kind") : null;
        var allowed = kind ? byKind[kind] : null;
        var firstAllowed = null;
        Array.prototype.forEach.call(op.options, function (option) {
          var ok = !allowed || allowed.indexOf(option.value) !== -1;
          option.hidden = !ok;
          option.disabled = !ok;
          if (ok && firstAllowed === null) firstAllowed = option.value;
        });
        if (op.selectedOptions.length && op.selectedOptions[0].disabled && firstAllowed !== null) op.value = firstAllowed;
      }
      field.addEventListener("change", sync);
      sync();
    });
  }

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var PALETTE = ["#3b5bdb", "#0ca678", "#f59f00", "#e8590c", "#ae3ec9", "#1098ad", "#c2255c", "#5c940d", "#495057", "#74c0fc"];

  function drawChart() {
    var canvas = document.getElementById("pivot-chart");
    var source = document.getElementById("pivot-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    var lang = document.documentElement.lang || undefined;
    var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    var full = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var narrow = window.matchMedia("(max-width: 640px)").matches;
    Chart.defaults.color = css("--text-2", "#4b5565");
    Chart.defaults.borderColor = css("--border", "#e3e6eb");
    Chart.defaults.font.family = css("--font", "system-ui");
    Chart.defaults.maintainAspectRatio = false;
    if (reduced) Chart.defaults.animation = false;
    var line = data.type === "line";
    var stacked = data.type === "stacked";
    var first = css("--accent", PALETTE[0]);
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, i) {
          var colour = i === 0 ? first : PALETTE[i % PALETTE.length];
          return { label: series.label, data: series.data, backgroundColor: colour, borderColor: colour, borderRadius: line ? 0 : 3, maxBarThickness: 36, tension: 0.2, spanGaps: true };
        })
      },
      options: {
        plugins: {
          legend: { position: "bottom", display: data.series.length > 1, labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + full.format(ctx.parsed.y); } } }
        },
        scales: {
          x: { stacked: stacked, grid: { display: false }, ticks: { maxRotation: narrow ? 60 : 0, autoSkip: true } },
          y: { stacked: stacked, beginAtZero: true, ticks: { callback: function (v) { return compact.format(v); }, maxTicksLimit: 6 } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpEntity();
    setUpFilters();
    drawChart();
  });
})();
