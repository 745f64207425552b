/* The sales dashboard: Chart.js charts drawn from the page's json_script data, and the period
   picker showing its date fields for custom periods. Every chart has a table of its figures in
   the page, so nothing depends on this script. */
(function () {
  "use strict";

  function setUpPeriodPicker() {
    document.querySelectorAll("[data-period-select]").forEach(function (select) {
      var form = select.form;
      function sync() {
        var custom = select.value === "custom";
        form.querySelectorAll("[data-custom-dates]").forEach(function (field) {
          field.hidden = !custom;
          field.querySelectorAll("input").forEach(function (input) { input.disabled = !custom; });
        });
      }
      select.addEventListener("change", sync);
      sync();
    });
  }

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function drawCharts() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var Chart = window.Chart;
    var lang = document.documentElement.lang || undefined;
    var money = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
    var compact = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    var narrow = window.matchMedia("(max-width: 640px)").matches;
    var reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var accent = css("--accent", "#3b5bdb");
    var soft = css("--accent-soft", "#eef2ff");
    var text = css("--text-2", "#4b5565");
    var grid = css("--border", "#e3e6eb");
    var danger = css("--danger", "#c92a2a");

    Chart.defaults.color = text;
    Chart.defaults.borderColor = grid;
    Chart.defaults.font.family = css("--font", "system-ui");
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.animation = reduced ? false : Chart.defaults.animation;
    Chart.defaults.plugins.legend.labels.boxWidth = 12;
    Chart.defaults.datasets.bar.maxBarThickness = 32;

    function moneyTick(value) { return compact.format(value); }
    function tooltipMoney(ctx) {
      var value = ctx.parsed.y !== undefined && ctx.chart.options.indexAxis !== "y" ? ctx.parsed.y : ctx.parsed.x;
      return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + money.format(value) + " " + data.currency;
    }

    var months = document.getElementById("chart-months");
    if (months) {
      new Chart(months, {
        type: "bar",
        data: {
          labels: data.months.labels,
          datasets: [
            { label: data.text.amount, data: data.months.amount, backgroundColor: soft, borderColor: accent, borderWidth: 1, borderRadius: 4 },
            { label: data.text.weighted, data: data.months.weighted, backgroundColor: accent, borderRadius: 4 }
          ]
        },
        options: {
          plugins: { tooltip: { callbacks: { label: tooltipMoney } }, legend: { position: "bottom" } },
          scales: {
            x: { grid: { display: false }, ticks: { maxRotation: narrow ? 60 : 0, autoSkip: true } },
            y: { beginAtZero: true, ticks: { callback: moneyTick, maxTicksLimit: 6 } }
          }
        }
      });
    }

    var funnel = document.getElementById("chart-funnel");
    if (funnel) {
      new Chart(funnel, {
        type: "bar",
        data: {
          labels: data.funnel.labels,
          datasets: [{ label: data.text.reached, data: data.funnel.reached, backgroundColor: accent, borderRadius: 4 }]
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } }
        }
      });
    }

    var owners = document.getElementById("chart-owners");
    if (owners) {
      new Chart(owners, {
        type: "bar",
        data: {
          labels: data.owners.labels,
          datasets: [{ label: data.text.weighted, data: data.owners.weighted, backgroundColor: accent, borderRadius: 4 }]
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipMoney } } },
          scales: { x: { beginAtZero: true, ticks: { callback: moneyTick, maxTicksLimit: 5 } }, y: { grid: { display: false } } }
        }
      });
    }

    var lost = document.getElementById("chart-lost");
    if (lost) {
      new Chart(lost, {
        type: "bar",
        data: {
          labels: data.lost.labels,
          datasets: [{ label: data.text.deals, data: data.lost.deals, backgroundColor: danger, borderRadius: 4 }]
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } }
        }
      });
    }
  }

  function start() {
    setUpPeriodPicker();
    drawCharts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
