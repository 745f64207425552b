/* The deal board: drag a card to another stage (SortableJS), or pick a stage in the card's "Move"
   menu (keyboard, phone). Either way the move is one POST with the deal's version; a refused move
   (someone else changed the deal, no permission) puts the card back and says why. Dropping on
   "Lost" asks for the reason first. Column totals are refreshed after every move. */
(function () {
  "use strict";

  var board = document.getElementById("board");
  if (!board) { return; }
  var canChange = board.getAttribute("data-can-change") === "true";
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var dialog = document.getElementById("lost-dialog");

  function toast(text, isError) {
    var region = document.querySelector(".messages");
    if (!region) {
      region = document.createElement("div");
      region.className = "messages";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    var item = document.createElement("div");
    item.className = "toast" + (isError ? " error" : "");
    item.setAttribute("role", isError ? "alert" : "status");
    var span = document.createElement("span");
    span.textContent = text;
    item.appendChild(span);
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "×");
    close.textContent = "×";
    item.appendChild(close);
    region.appendChild(item);
    if (!isError) { setTimeout(function () { item.remove(); }, 4000); }
  }

  function refreshTotals() {
    if (window.htmx) {
      window.htmx.ajax("GET", board.getAttribute("data-totals-url"), { target: "#board-totals-sink", swap: "innerHTML" });
    }
  }

  function columnOf(stageId) {
    return board.querySelector(".board-cards[data-stage='" + stageId + "']");
  }

  // Ask for the lost reason; resolves with {lost_reason, lost_note} or null when cancelled.
  function askLostReason() {
    return new Promise(function (resolve) {
      if (!dialog || !dialog.showModal) {
        resolve(null);
        return;
      }
      var form = dialog.querySelector("form");
      form.reset();
      dialog.returnValue = "";
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        var reason = form.querySelector("[name=lost_reason]").value;
        if (dialog.returnValue === "confirm" && reason) {
          resolve({ lost_reason: reason, lost_note: form.querySelector("[name=lost_note]").value });
        } else {
          resolve(null);
        }
      });
      dialog.showModal();
      form.querySelector("[name=lost_reason]").focus();
    });
  }

  // POST the move; resolves with the new card element, rejects with a message.
  function postMove(card, stageId, extra) {
    var body = new URLSearchParams();
    body.set("stage", stageId);
    body.set("version", card.getAttribute("data-version"));
    Object.keys(extra || {}).forEach(function (k) { body.set(k, extra[k]); });
    return fetch(card.getAttribute("data-move-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (response.ok) {
        return response.text().then(function (html) {
          var holder = document.createElement("ul");
          holder.innerHTML = html.trim();
          return { card: holder.firstElementChild, status: response.headers.get("X-Deal-Status") };
        });
      }
      return response.json().catch(function () { return {}; }).then(function (data) {
        throw new Error(data.message || board.getAttribute("data-msg-failed"));
      });
    });
  }

  function stageKind(stageId) {
    var list = document.querySelector("[data-stage='" + stageId + "'][data-kind]");
    return list ? list.getAttribute("data-kind") : "open";
  }

  // Move ``card`` to ``stageId``. ``restore`` puts it back where it was if the move fails.
  function move(card, stageId, restore) {
    var kind = stageKind(stageId);
    var ask = kind === "lost" ? askLostReason() : Promise.resolve({});
    return ask.then(function (extra) {
      if (extra === null) { restore(); return; }
      card.classList.add("deal-card-busy");
      return postMove(card, stageId, extra).then(function (result) {
        var fresh = result.card;
        if (result.status === "won" || result.status === "lost") {
          card.remove();
          toast(board.getAttribute(result.status === "won" ? "data-msg-won" : "data-msg-lost"));
        } else {
          var column = columnOf(stageId);
          if (card.parentNode !== column && column) {
            column.insertBefore(card, column.firstElementChild);
          }
          card.replaceWith(fresh);
          if (window.htmx) { window.htmx.process(fresh); }
          var select = fresh.querySelector("select[name=stage]");
          if (select && document.activeElement === document.body) { select.focus(); }
        }
        refreshTotals();
      }).catch(function (error) {
        card.classList.remove("deal-card-busy");
        restore();
        toast(error.message, true);
      });
    });
  }

  // Keyboard and phone: the card's "Move to stage" menu.
  board.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-move-form]");
    if (!form) { return; }
    event.preventDefault();
    var card = form.closest(".deal-card");
    var select = form.querySelector("select[name=stage]");
    if (select.value === card.getAttribute("data-stage")) { return; }
    var original = card.getAttribute("data-stage");
    move(card, select.value, function () { select.value = original; });
  });

  if (!canChange || !window.Sortable) { return; }

  var lists = Array.prototype.slice.call(document.querySelectorAll(".board-cards, .board-drop"));
  lists.forEach(function (list) {
    window.Sortable.create(list, {
      group: "deals",
      sort: false, // columns are ordered by expected close; a card only changes column
      draggable: ".deal-card:not(.deal-card-locked)", // cards the user may not move stay put
      filter: "select, button, input, a, .board-more",
      preventOnFilter: false,
      delay: 180,
      delayOnTouchOnly: true,
      animation: 120,
      ghostClass: "deal-card-ghost",
      onStart: function () { document.body.classList.add("board-dragging"); },
      onEnd: function (evt) {
        document.body.classList.remove("board-dragging");
        var card = evt.item;
        if (evt.from === evt.to) { return; }
        var from = evt.from;
        var oldIndex = evt.oldIndex;
        var restore = function () {
          var anchor = from.children[oldIndex] || null;
          from.insertBefore(card, anchor);
        };
        move(card, evt.to.getAttribute("data-stage"), restore);
      }
    });
  });
})();
