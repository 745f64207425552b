/* The calendar page: FullCalendar (vendored, MIT) draws the month, week, day and agenda views from
   /calendar/events/ and sends a dragged item's new time to /calendar/move/ with the version it
   showed; a refused move (stale, not allowed, invalid) snaps back with the server's reason.
   Without this script the page is a server-rendered agenda of one week. */
(function () {
  "use strict";

  var PHONE = "(max-width: 700px)";

  function toast(text, isError) {
    var box = document.querySelector(".messages");
    if (!box) { return; }
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
    box.appendChild(item);
    if (!isError) { setTimeout(function () { item.remove(); }, 4000); }
  }

  // "Now" on the user's wall clock in their time zone (the calendar runs in that zone's local time).
  function wallClock(zone) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit"
    }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute + ":" + parts.second;
  }

  function filters(form) {
    var who = form.querySelector("[name=who]");
    var kinds = Array.prototype.filter.call(form.querySelectorAll("[name=kind]"), function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    return { who: who ? who.value : "mine", kinds: kinds };
  }

  function init() {
    var element = document.querySelector("[data-calendar]");
    var source = document.getElementById("calendar-config");
    if (!element || !source || !window.FullCalendar) { return; }
    var config = JSON.parse(source.textContent);
    var form = document.querySelector("[data-calendar-filters]");
    var phone = window.matchMedia(PHONE).matches;
    document.documentElement.classList.add("calendar-js");

    var calendar = new window.FullCalendar.Calendar(element, {
      timeZone: config.timeZone,
      now: function () { return wallClock(config.timeZone); },
      locale: config.locale,
      initialDate: config.initialDate,
      initialView: config.initialView || (phone ? "listWeek" : "timeGridWeek"),
      // On a phone the title takes a line of its own above the buttons (calendar.css).
      headerToolbar: {
        left: "prev,next today",
        center: "title",
        right: phone ? "timeGridDay,listWeek" : "dayGridMonth,timeGridWeek,timeGridDay,listWeek"
      },
      // A fixed height: the time grid scrolls inside it, starting at half past seven.
      height: Math.max(phone ? 520 : 600, window.innerHeight - (phone ? 190 : 250)),
      expandRows: true,
      allDaySlot: false,
      nowIndicator: true,
      navLinks: true,
      dayMaxEvents: true,
      scrollTime: "07:30:00",
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      eventDurationEditable: false,
      editable: true, // each event says whether it may be moved
      longPressDelay: 350,
      events: {
        url: config.eventsUrl,
        extraParams: function () {
          var f = form ? filters(form) : { who: config.who, kinds: config.kinds };
          return { who: f.who, kind: f.kinds.join(",") };
        },
        failure: function () { toast(config.messages.failed, true); }
      },
      eventDidMount: function (info) {
        var props = info.event.extendedProps;
        // The cell shows a short title; the tooltip has the whole of it, and whose it is.
        var hint = [props.detail || info.event.title, props.owner].filter(Boolean).join(" · ");
        info.el.setAttribute("title", hint);
        info.el.setAttribute("data-kind", props.kind);
        info.el.setAttribute("data-id", props.pk);
      },
      eventDrop: function (info) {
        var event = info.event;
        var version = event.extendedProps.version;
        var body = new URLSearchParams();
        body.append("kind", event.extendedProps.kind);
        body.append("id", event.extendedProps.pk);
        // The version the item had when the calendar got it (or the last move answered with): the
        // server refuses a move without it (428) or made on an older one (409).
        body.append("version", typeof version === "number" ? String(version) : "");
        body.append("start", event.startStr);
        element.classList.add("calendar-busy");
        fetch(config.moveUrl, {
          method: "POST",
          headers: { "X-CSRFToken": config.csrfToken, "Accept": "application/json" },
          body: body,
          credentials: "same-origin"
        }).then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; });
        }).then(function (answer) {
          if (!answer.ok) {
            info.revert();
            toast(answer.data.message || config.messages.failed, true);
            if (answer.status === 409 || answer.status === 428 || answer.status === 404) { calendar.refetchEvents(); }
            return;
          }
          event.setExtendedProp("version", answer.data.event.extendedProps.version);
          toast(config.messages.moved, false);
        }).catch(function () {
          info.revert();
          toast(config.messages.failed, true);
        }).then(function () {
          element.classList.remove("calendar-busy");
        });
      }
    });
    calendar.render();

    if (form) {
      // With the script the filters apply at once; the button is for pages without it.
      form.addEventListener("change", function () { calendar.refetchEvents(); });
      form.addEventListener("submit", function (event) { event.preventDefault(); calendar.refetchEvents(); });
    }
  }

  // The feed address: copy it, or select it all when it gets the focus.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-copy"));
    input.select();
    var done = function () { toast(button.getAttribute("data-copied"), false); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) { event.target.select(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
