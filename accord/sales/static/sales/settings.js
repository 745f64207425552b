/* Sales settings: drag-and-drop stage order, copy buttons for embed snippets, and the automation
   form showing only the inputs its trigger needs. Everything also works without this script. */
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- Stages: drag to reorder (SortableJS); the up/down buttons stay for the keyboard ----------------
  function initStages() {
    var list = document.querySelector("[data-sortable-stages]");
    if (!list || !window.Sortable) { return; }
    window.Sortable.create(list, {
      handle: ".handle",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) { return; }
        var body = new URLSearchParams();
        Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (item) {
          body.append("order", item.getAttribute("data-id"));
        });
        fetch(list.getAttribute("data-reorder-url"), {
          method: "POST",
          headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
          body: body,
          credentials: "same-origin"
        }).then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          // Refresh so the arrows' first/last state and the positions match what was saved.
          window.location.reload();
        }).catch(function () {
          window.alert(list.getAttribute("data-error"));
          window.location.reload();
        });
      }
    });
  }

  // --- Copy buttons ---------------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var text = source ? source.textContent : "";
    var status = document.querySelector("[data-copy-status]");
    var done = function () {
      var label = button.querySelector("span");
      var before = label ? label.textContent : "";
      if (label) { label.textContent = button.getAttribute("data-copied"); }
      if (status) { status.textContent = button.getAttribute("data-copied"); }
      setTimeout(function () { if (label) { label.textContent = before; } }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      selectText(source);
    }
  });

  function selectText(node) {
    if (!node) { return; }
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // --- Automation form: show the stage picker or the days, as the trigger needs ------------------------
  function syncAutomation(form) {
    var checked = form.querySelector("input[name=trigger]:checked");
    var trigger = checked ? checked.value : "";
    Array.prototype.forEach.call(form.querySelectorAll("[data-when]"), function (block) {
      block.classList.toggle("hidden", trigger !== "" && block.getAttribute("data-when") !== trigger);
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-automation-form]");
    if (form && event.target.name === "trigger") { syncAutomation(form); }
  });

  // After an up/down button moved a stage, the page comes back at #stage-<id>: keep the keyboard
  // where it was, on that stage's arrows.
  function refocusMovedStage() {
    var id = window.location.hash.slice(1);
    var item = id.indexOf("stage-") === 0 ? document.getElementById(id) : null;
    var button = item && item.querySelector(".moves button:not([disabled])");
    if (button) { button.focus(); }
  }

  // After load: the browser's own jump to the #fragment would otherwise take the focus away again.
  window.addEventListener("load", function () { setTimeout(refocusMovedStage, 0); });

  document.addEventListener("DOMContentLoaded", function () {
    initStages();
    var form = document.querySelector("[data-automation-form]");
    if (form) { syncAutomation(form); }
  });
})();
