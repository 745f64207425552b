/* Accord's few behaviours that HTML and HTMX do not cover: keyboard shortcuts, the search box's
   keyboard navigation, repeatable form rows, the company picker, the mobile menu, confirmations. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  // --- Keyboard: "/" focuses the search box, Escape closes menus and the search dropdown --------
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey) {
      var box = $("#global-search");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
    if (event.key === "Escape") {
      $all("details.menu[open]").forEach(function (d) { d.removeAttribute("open"); });
      var results = $("#search-results");
      if (results) { results.innerHTML = ""; }
      document.body.classList.remove("nav-open");
    }
  });

  // Close an open menu when clicking elsewhere.
  document.addEventListener("click", function (event) {
    $all("details.menu[open]").forEach(function (d) {
      if (!d.contains(event.target)) { d.removeAttribute("open"); }
    });
    if (!event.target.closest(".searchbox")) {
      var results = $("#search-results");
      if (results) { results.innerHTML = ""; }
    }
  });

  // --- Search box: arrow keys move through the hits, Enter opens one ---------------------------
  document.addEventListener("keydown", function (event) {
    if (!event.target || event.target.id !== "global-search") { return; }
    var hits = $all("#search-results .search-hit");
    if (!hits.length) { return; }
    var index = hits.findIndex(function (h) { return h.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (index >= 0) { hits[index].setAttribute("aria-selected", "false"); }
      index = event.key === "ArrowDown" ? Math.min(index + 1, hits.length - 1) : Math.max(index - 1, 0);
      hits[index].setAttribute("aria-selected", "true");
      hits[index].scrollIntoView({ block: "nearest" });
      event.target.setAttribute("aria-activedescendant", hits[index].id);
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      window.location.href = hits[index].getAttribute("href");
    }
  });

  // Focusing the search box again shows the hits for what it holds (htmx's trigger filters would
  // need eval, which the Content-Security-Policy forbids).
  document.addEventListener("focusin", function (event) {
    var box = event.target;
    if (box.matches && box.matches("[data-search-again]") && box.value.length > 0 && window.htmx) {
      window.htmx.trigger(box, "search-again");
    }
  });
  // A picker's input sends what is typed as "q" ([data-lookup-q]), whatever its own name.
  document.addEventListener("htmx:configRequest", function (event) {
    var input = event.detail.elt;
    if (input && input.hasAttribute && input.hasAttribute("data-lookup-q")) {
      event.detail.parameters.q = input.value;
    }
  });

  // --- Behaviours that would otherwise be inline handlers (the policy allows none) -------------
  // A filter's select sends its form when changed.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });
  // A select whose options are addresses goes there when changed.
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-navigate]");
    if (select && select.value) { window.location.href = select.value; }
  });
  // "Cancel" and "Go back" return to the previous page; without one, they follow their link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-back]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // --- Mobile navigation ------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-nav-toggle]")) {
      document.body.classList.toggle("nav-open");
    } else if (document.body.classList.contains("nav-open") && !event.target.closest(".sidebar")) {
      document.body.classList.remove("nav-open");
    }
  });

  // --- Repeatable rows: <div data-repeat="emails"> with a <template> and an "add" button ------
  function renumber(container) {
    var prefix = container.getAttribute("data-repeat");
    $all("[data-row]", container).forEach(function (row, i) {
      $all("input, select, textarea", row).forEach(function (input) {
        var name = input.getAttribute("name");
        if (name) { input.setAttribute("name", name.replace(new RegExp("^" + prefix + "-\\d+-"), prefix + "-" + i + "-")); }
        var id = input.getAttribute("id");
        if (id) { input.setAttribute("id", id.replace(new RegExp("^id_" + prefix + "-\\d+-"), "id_" + prefix + "-" + i + "-")); }
      });
    });
  }
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      var container = document.getElementById(add.getAttribute("data-add-row"));
      var template = $("template", container);
      var rows = $(".rows", container);
      var clone = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(clone);
      renumber(container);
      var first = $("input, select", clone);
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-row]");
      var parent = row.closest("[data-repeat]");
      row.remove();
      renumber(parent);
    }
  });

  // --- Company picker: choosing an option fills the row's hidden id and visible name ----------
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-company]");
    if (!option) { return; }
    event.preventDefault();
    var row = option.closest("[data-row]");
    $("input[name$='-company']", row).value = option.getAttribute("data-pick-company");
    var name = $("input[name$='-company_name']", row);
    name.value = option.getAttribute("data-name");
    option.closest(".lookup-options").innerHTML = "";
    name.focus();
  });
  document.addEventListener("input", function (event) {
    // Typing a new name clears the previous choice until a company is picked again.
    if (event.target.matches("input[name$='-company_name']")) {
      var row = event.target.closest("[data-row]");
      $("input[name$='-company']", row).value = "";
    }
  });

  // --- Confirmation before destructive actions ---------------------------------------------------
  document.addEventListener("submit", function (event) {
    var message = event.submitter && event.submitter.getAttribute("data-confirm");
    message = message || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // --- The 360° composer: a tab picks the channel -----------------------------------------------
  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-channel-tab]");
    if (!tab) { return; }
    event.preventDefault();
    var composer = tab.closest("[data-composer]");
    $all("[data-channel-tab]", composer).forEach(function (t) { t.setAttribute("aria-selected", t === tab ? "true" : "false"); });
    var channel = tab.getAttribute("data-channel-tab");
    var select = $("select[name='channel']", composer);
    if (select) { select.value = channel; select.dispatchEvent(new Event("change")); }
  });
  // Each channel shows only the inputs it records ([data-channels] lists the channels); the others
  // are hidden, emptied and disabled so the form never sends them (the server refuses them anyway).
  function fitChannel(composer) {
    var select = $("select[name='channel']", composer);
    if (!select) { return; }
    $all("[data-channels]", composer).forEach(function (el) {
      var fits = el.getAttribute("data-channels").split(" ").indexOf(select.value) >= 0;
      el.classList.toggle("hidden", !fits);
      $all("input, select, textarea", el).forEach(function (input) {
        if (!fits) { input.value = ""; }
        input.disabled = !fits;
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-composer] select[name='channel']")) { return; }
    fitChannel(event.target.closest("[data-composer]"));
  });
  function fitAll(root) { $all("[data-composer]", root).forEach(fitChannel); }
  document.addEventListener("DOMContentLoaded", function () { fitAll(document); });
  document.addEventListener("htmx:load", function (event) { fitAll(event.target); });

  // --- Due-date shortcuts: [data-due-shortcut] buttons fill the datetime input named in data-for --
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-due-shortcut]");
    if (!button) { return; }
    event.preventDefault();
    var input = document.getElementById(button.getAttribute("data-for"));
    if (input) {
      input.value = button.getAttribute("data-due-shortcut");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // --- A picker of contacts and companies: a [data-pick] option fills its [data-lookup] row --
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick]");
    if (!option) { return; }
    event.preventDefault();
    var row = option.closest("[data-lookup]");
    $("input[data-lookup-value]", row).value = option.getAttribute("data-pick");
    var name = $("input[data-lookup-name]", row);
    name.value = option.getAttribute("data-name");
    option.closest(".lookup-options").innerHTML = "";
    name.focus();
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[data-lookup-name]")) {
      $("input[data-lookup-value]", event.target.closest("[data-lookup]")).value = "";
    }
  });
  // Escape, or leaving the picker, closes its results so they cover nothing.
  document.addEventListener("keydown", function (event) {
    var row = event.key === "Escape" && event.target.closest && event.target.closest("[data-lookup]");
    var options = row && $(".lookup-options", row);
    if (options && options.innerHTML.trim()) { options.innerHTML = ""; event.preventDefault(); }
  });
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest("[data-lookup]");
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) { return; }
    var options = $(".lookup-options", row);
    // A click on an option blurs the input first; let the click land before closing.
    setTimeout(function () { if (!row.contains(document.activeElement)) { options.innerHTML = ""; } }, 250);
  });

  // Toasts fade away on their own; errors stay until closed.
  function dismissToasts(root) {
    $all(".toast:not(.error)", root).forEach(function (toast) {
      setTimeout(function () { toast.remove(); }, 5000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { dismissToasts(document); });
  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss]");
    if (close) { close.closest(".toast").remove(); }
  });

  // --- Lists: row checkboxes and the bulk-action bar ------------------------------------------
  // The bar is a form (core/_bulk_bar.html) holding the filters on screen; ticked rows belong to
  // it through form="...". "Select all N matching" stops sending the ticked ids, so the selection
  // is the filters alone.
  function bulkBar(el) {
    var holder = el.closest("[data-bulk-table]") || el.closest("[data-bulk-list]");
    var id = holder ? (holder.getAttribute("data-bulk-table") || holder.getAttribute("data-bulk-list")) : el.getAttribute("form");
    return id ? document.getElementById(id) : el.closest("[data-bulk-bar]");
  }
  // getAttribute, not bar.id: the form's controls named "id" (the ticked rows) shadow that property.
  function barId(bar) { return bar.getAttribute("id"); }
  function bulkRows(bar) { return $all("[data-bulk-row][form='" + barId(bar) + "']"); }
  function bulkRefresh(bar) {
    var rows = bulkRows(bar);
    var ticked = rows.filter(function (r) { return r.checked; }).length;
    var matching = bar.getAttribute("data-matching") === "true";
    var toggle = $("[data-bulk-matching]", bar);
    var count = matching && toggle ? Number(toggle.getAttribute("data-total")).toLocaleString(document.documentElement.lang || undefined) : String(ticked);
    $("[data-bulk-count]", bar).textContent = count;
    bar.hidden = !ticked && !matching;
    // "All matching" covers rows swapped in later (a task ticked done comes back as a new row).
    rows.forEach(function (r) { r.name = matching ? "" : "id"; if (matching) { r.checked = true; } });
    if (toggle) {
      toggle.setAttribute("aria-pressed", matching ? "true" : "false");
      $("[data-when='rows']", toggle).hidden = matching;
      $("[data-when='matching']", toggle).hidden = !matching;
    }
    var page = $("[data-bulk-page]", document.querySelector("[data-bulk-table='" + barId(bar) + "'], [data-bulk-list='" + barId(bar) + "']") || document);
    if (page) {
      page.checked = rows.length > 0 && ticked === rows.length;
      page.indeterminate = ticked > 0 && ticked < rows.length;
    }
    // On a phone a table's header, with its "select this page" box, is not shown: the bar offers it.
    var pageButton = $("[data-bulk-select-page]", bar);
    if (pageButton) {
      var pageBoxShown = page && page.getClientRects().length > 0;
      pageButton.hidden = Boolean(pageBoxShown) || matching || ticked === rows.length;
    }
  }
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-bulk-row], [data-bulk-page]");
    if (!box) { return; }
    var bar = bulkBar(box);
    if (!bar) { return; }
    if (box.hasAttribute("data-bulk-page")) {
      bulkRows(bar).forEach(function (r) { r.checked = box.checked; });
    }
    if (!box.checked) { bar.setAttribute("data-matching", "false"); }
    bulkRefresh(bar);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-bulk-matching], [data-bulk-clear], [data-bulk-select-page]");
    if (!button) { return; }
    var bar = button.closest("[data-bulk-bar]");
    if (button.hasAttribute("data-bulk-clear")) {
      bar.setAttribute("data-matching", "false");
      bulkRows(bar).forEach(function (r) { r.checked = false; });
    } else if (button.hasAttribute("data-bulk-select-page")) {
      bulkRows(bar).forEach(function (r) { r.checked = true; });
    } else {
      var on = bar.getAttribute("data-matching") !== "true";
      bar.setAttribute("data-matching", on ? "true" : "false");
      bulkRows(bar).forEach(function (r) { r.checked = on; });
    }
    bulkRefresh(bar);
  });
  // Rows swapped in by htmx (a task ticked done) join the selection's count and mode.
  document.addEventListener("htmx:load", function (event) {
    var seen = [];
    $all("[data-bulk-row]", event.target).concat(event.target.matches && event.target.matches("[data-bulk-row]") ? [event.target] : []).forEach(function (row) {
      var bar = document.getElementById(row.getAttribute("form"));
      if (bar && seen.indexOf(bar) < 0) { seen.push(bar); bulkRefresh(bar); }
    });
  });
  // A field chosen on the "Edit field" page asks for its value input at once.
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-bulk-field]");
    if (!field) { return; }
    var next = $("[data-bulk-next]", field.form);
    if (next) { next.click(); }
  });
})();

/* --- Attachments: files dropped on a [data-dropzone] form (or chosen in it) are uploaded at once;
   without JavaScript the form's file input and button do the same. */
(function () {
  "use strict";

  function zoneOf(event) { return event.target && event.target.closest ? event.target.closest("[data-dropzone]") : null; }
  function carriesFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0;
  }

  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (!carriesFiles(event) || !document.querySelector("[data-dropzone]")) { return; }
      // A file let go beside the drop zone must not make the browser leave the page to open it.
      event.preventDefault();
      var zone = zoneOf(event);
      if (zone) { zone.classList.add("dragging"); } else { event.dataTransfer.dropEffect = "none"; }
    });
  });
  document.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event);
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("dragging"); }
  });
  document.addEventListener("drop", function (event) {
    if (!carriesFiles(event) || !document.querySelector("[data-dropzone]")) { return; }
    event.preventDefault();
    var zone = zoneOf(event);
    if (!zone || !event.dataTransfer.files.length) { return; }
    zone.classList.remove("dragging");
    var input = zone.querySelector("input[type='file']");
    input.files = event.dataTransfer.files;
    zone.requestSubmit();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-dropzone] input[type='file']") && event.target.files.length) {
      event.target.form.requestSubmit();
    }
  });
})();

// Exports: "Preparing…" from the click until the file starts to download (the response carries
// back the token sent with the request as a cookie), so a slow export is not clicked again.
(function () {
  "use strict";
  var COOKIE = "accord_download";
  function cookie() {
    var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(COOKIE + "=") === 0; })[0];
    return found ? found.slice(COOKIE.length + 1) : "";
  }
  document.addEventListener("click", function (event) {
    // Every export link: the export menu's and the lists' (a download link with a format).
    var link = event.target.closest && event.target.closest("a[data-export], a[download][href*='format=']");
    if (!link) { return; }
    if (link.getAttribute("aria-disabled") === "true") { event.preventDefault(); return; }
    var token = Math.random().toString(36).slice(2) + Date.now().toString(36);
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("download_token", token);
    link.href = url.toString();
    // The label: the export menu's span, or the link's last text.
    var label = link.querySelector(".export-label") ||
      Array.prototype.filter.call(link.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); }).pop();
    var text = label ? label.textContent : "";
    link.setAttribute("aria-disabled", "true");
    link.setAttribute("aria-busy", "true");
    link.classList.add("export-preparing");
    if (label && document.body.dataset.preparing) { label.textContent = document.body.dataset.preparing; }
    var started = Date.now();
    var timer = window.setInterval(function () {
      if (cookie() !== token && Date.now() - started < 120000) { return; }
      window.clearInterval(timer);
      document.cookie = COOKIE + "=; Max-Age=0; path=/; SameSite=Lax";
      link.removeAttribute("aria-disabled");
      link.removeAttribute("aria-busy");
      link.classList.remove("export-preparing");
      if (label) { label.textContent = text; }
    }, 250);
  });
})();
