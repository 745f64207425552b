/* The insight screens' charts (margin by category, revenue forecast with its intervals), drawn with
   Chart.js from the page's json_script data. Every chart has a table of its figures in the page,
   so nothing depends on this script. */
(function () {
  "use strict";

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function setUp(Chart) {
    Chart.defaults.color = css("--text-2", "#4b5565");
    Chart.defaults.borderColor = css("--border", "#e3e6eb");
    Chart.defaults.font.family = css("--font", "system-ui");
    Chart.defaults.maintainAspectRatio = false;
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) Chart.defaults.animation = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
  }

  function formatters(currency) {
    var lang = document.documentElement.lang || undefined;
    var money = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    return {
      tick: function (value) { return compact.format(value); },
      tooltip: function (ctx) {
        var value = ctx.chart.options.indexAxis === "y" ? ctx.parsed.x : ctx.parsed.y;
        if (value === null || value === undefined) return null;
        return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + money.format(value) + " " + currency;
      }
    };
  }

  function categories(Chart) {
    var canvas = document.getElementById("chart-categories");
    var data = read("insight-products");
    if (!canvas || !data) return;
    var f = formatters(data.currency);
    var accent = css("--accent", "#3b5bdb");
    var danger = css("--danger", "#c92a2a");
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.revenue, data: data.revenue, backgroundColor: css("--accent-soft", "#eef2ff"), borderColor: accent, borderWidth: 1, borderRadius: 4 },
          { label: data.text.margin, data: data.margin, backgroundColor: data.margin.map(function (m) { return m < 0 ? danger : accent; }), borderRadius: 4 }
        ]
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: f.tooltip } } },
        scales: { x: { ticks: { callback: f.tick, maxTicksLimit: 6 } }, y: { grid: { display: false } } }
      }
    });
  }

  function forecast(Chart) {
    var canvas = document.getElementById("chart-forecast");
    var data = read("insight-forecast");
    if (!canvas || !data) return;
    var f = formatters(data.currency);
    var accent = css("--accent", "#3b5bdb");
    var band = "rgba(76, 110, 245, 0.12)";
    var narrow = window.matchMedia("(max-width: 640px)").matches;
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.text.band95, data: data.hi95, borderWidth: 0, pointRadius: 0, backgroundColor: band, fill: "+1" },
          { label: "", data: data.lo95, borderWidth: 0, pointRadius: 0, fill: false },
          { label: data.text.band80, data: data.hi80, borderWidth: 0, pointRadius: 0, backgroundColor: band, fill: "+1" },
          { label: "", data: data.lo80, borderWidth: 0, pointRadius: 0, fill: false },
          { label: data.text.history, data: data.history, borderColor: css("--text", "#1f2430"), backgroundColor: css("--text", "#1f2430"), pointRadius: 2, borderWidth: 2 },
          { label: data.text.mean, data: data.mean, borderColor: accent, backgroundColor: accent, borderDash: [6, 4], pointRadius: 2, borderWidth: 2 },
          { label: data.text.pipeline, data: data.pipeline, borderColor: css("--warning", "#e67700"), backgroundColor: css("--warning", "#e67700"), pointRadius: 2, borderWidth: 2 }
        ]
      },
      options: {
        spanGaps: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            position: "bottom",
            labels: {
              // No legend for the bands' lower edges, nor for a series with nothing to draw.
              filter: function (item, chart) {
                var values = chart.datasets[item.datasetIndex].data;
                return item.text !== "" && values.some(function (v) { return v !== null; });
              }
            }
          },
          tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label ? f.tooltip(ctx) : null; } } }
        },
        scales: {
          x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: narrow ? 4 : 12 } },
          y: { beginAtZero: true, ticks: { callback: f.tick, maxTicksLimit: 6 } }
        }
      }
    });
  }

  function start() {
    if (typeof window.Chart === "undefined") return;
    setUp(window.Chart);
    categories(window.Chart);
    forecast(window.Chart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
