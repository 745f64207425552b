/* Accord's live chat widget. Embed with:
 *   <script src="https://accord.example.com/static/service/chat-widget.js" data-key="KEY" async></script>
 * It talks to Accord over one WebSocket; every text from it is put in with textContent, never as HTML.
 * Its labels come from Accord in the visitor's language: data-lang="pl" on the script tag, else the
 * page's <html lang>, else the browser's; Accord answers in its own language for any other. The
 * English below is shown only until Accord answers (or if it cannot be reached). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.key) { return; }
  var base = new URL(script.src, window.location.href);
  var key = script.dataset.key;
  var storeKey = "accord-chat-" + key;
  var lang = script.dataset.lang || document.documentElement.lang || navigator.language || "";
  var t = {open: "Chat with us", name: "Your name", email: "E-mail", question: "Your question", start: "Start chat",
           send: "Send", leave: "End chat", offline: "Nobody is available right now. Leave us a message and we will write back.",
           ticket: "Send message", thanks: "Thank you. Your request number is %(number)s.", typing: "Typing…",
           ended: "The chat has ended.", message: "Message", close: "Close"};
  // Each labelled node: [node, label key, "text" or an attribute's name].
  var labelled = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var css = el("link", {rel: "stylesheet", href: new URL("chat-widget.css", base).href});
  document.head.appendChild(css);
  var root = el("div", {"class": "accord-chat", "data-state": "closed"});
  var toggle = label(el("button", {type: "button", "class": "accord-chat-toggle", "aria-expanded": "false"}, t.open), "open");
  var panel = label(el("div", {"class": "accord-chat-panel", role: "dialog", "aria-label": t.open, hidden: ""}), "open", "aria-label");
  var title = el("h2", {"class": "accord-chat-title"}, t.open);
  var greeting = el("p", {"class": "accord-chat-greeting"});
  var note = el("p", {"class": "accord-chat-note", role: "status"});
  var errors = el("p", {"class": "accord-chat-errors", role: "alert"});
  var form = el("form", {"class": "accord-chat-form"});
  function label(node, name, where) {
    labelled.push([node, name, where || "text"]);
    return node;
  }
  function field(name, tag, type) {
    var wrap = el("label", {});
    wrap.appendChild(label(el("span", {}, t[name]), name));
    var input = el(tag, tag === "input" ? {name: name, type: type, required: ""} : {name: name, required: "", rows: "3"});
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }
  field("name", "input", "text");
  field("email", "input", "email");
  field("question", "textarea");
  var consentLabel = el("label", {"class": "accord-chat-consent"});
  var consent = el("input", {type: "checkbox", name: "consent", required: ""});
  var consentText = el("span");
  consentLabel.appendChild(consent);
  consentLabel.appendChild(consentText);
  form.appendChild(consentLabel);
  var submit = el("button", {type: "submit", "class": "accord-chat-submit"}, t.start);
  form.appendChild(submit);
  var log = el("ol", {"class": "accord-chat-log", "aria-live": "polite", hidden: ""});
  var typing = label(el("p", {"class": "accord-chat-typing", hidden: ""}, t.typing), "typing");
  var compose = el("form", {"class": "accord-chat-compose", hidden: ""});
  var input = label(el("textarea", {name: "body", rows: "2", "aria-label": t.message, maxlength: "5000"}), "message", "aria-label");
  compose.appendChild(input);
  compose.appendChild(label(el("button", {type: "submit"}, t.send), "send"));
  var leave = label(el("button", {type: "button", "class": "accord-chat-leave", hidden: ""}, t.leave), "leave");
  [title, greeting, note, errors, form, log, typing, compose, leave].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(toggle);
  root.appendChild(panel);
  document.body.appendChild(root);

  var socket = null;
  var online = false;
  var lastTyping = 0;
  var titled = false;  // the channel's own title arrived
  var notice = "";  // what the note says: "offline", "ended", "thanks" or nothing
  var ticketNumber = "";

  function showNotice() {
    if (notice === "thanks") { note.textContent = t.thanks.replace("%(number)s", ticketNumber); }
    else { note.textContent = notice ? t[notice] : ""; }
  }

  // Labels in the visitor's language, from the server (the config answer or the socket's hello).
  function applyLabels(labels) {
    if (!labels) { return; }
    Object.keys(labels).forEach(function (name) { t[name] = labels[name]; });
    labelled.forEach(function (item) {
      if (item[2] === "text") { item[0].textContent = t[item[1]]; } else { item[0].setAttribute(item[2], t[item[1]]); }
    });
    if (!titled) { title.textContent = t.open; }
    if (t.consent) { consentText.textContent = t.consent; }
    submit.textContent = online ? t.start : t.ticket;
    showNotice();
  }

  function configure(data) {
    applyLabels(data.labels);
    if (data.title) { title.textContent = data.title; titled = true; }
    if (data.greeting !== undefined) { greeting.textContent = data.greeting || ""; }
  }

  if (window.fetch) {
    fetch(new URL("/service/chat/widget/" + encodeURIComponent(key) + "/?lang=" + encodeURIComponent(lang), base).href,
          {credentials: "omit"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { configure(data); } })
      .catch(function () { /* Accord unreachable: the English labels stay */ });
  }

  function send(data) { if (socket && socket.readyState === 1) { socket.send(JSON.stringify(data)); } }

  function showChat() {
    form.hidden = true; log.hidden = false; compose.hidden = false; leave.hidden = false; greeting.hidden = true;
  }

  function addMessage(m) {
    var item = el("li", {"class": "accord-chat-msg accord-chat-from-" + m.from});
    if (m.name) { item.appendChild(el("span", {"class": "accord-chat-who"}, m.name)); }
    item.appendChild(el("span", {"class": "accord-chat-body"}, m.body));
    item.appendChild(el("time", {}, m.at));
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function connect() {
    var scheme = base.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + base.host + "/ws/service/chat/visitor/" + encodeURIComponent(key) + "/?lang=" +
                           encodeURIComponent(lang));
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "hello") {
        online = data.online;
        notice = online ? "" : "offline";
        configure(data);
        consentText.textContent = data.consent;
        var token = window.sessionStorage.getItem(storeKey);
        if (token) { send({type: "resume", token: token}); }
      } else if (data.type === "started") {
        window.sessionStorage.setItem(storeKey, data.token);
        showChat();
      } else if (data.type === "history") {
        log.textContent = "";
        data.messages.forEach(addMessage);
      } else if (data.type === "message") {
        typing.hidden = true;
        addMessage(data);
      } else if (data.type === "typing") {
        typing.hidden = false;
        window.clearTimeout(connect.typingTimer);
        connect.typingTimer = window.setTimeout(function () { typing.hidden = true; }, 4000);
      } else if (data.type === "ended" || data.type === "gone") {
        window.sessionStorage.removeItem(storeKey);
        if (data.type === "ended") { notice = "ended"; showNotice(); compose.hidden = true; leave.hidden = true; }
      } else if (data.type === "ticket") {
        form.hidden = true;
        notice = "thanks";
        ticketNumber = String(data.number);
        showNotice();
      } else if (data.type === "error") {
        errors.textContent = Object.keys(data.errors).map(function (k) { return data.errors[k].join(" "); }).join(" ");
      }
    });
    socket.addEventListener("close", function () { window.setTimeout(connect, 3000); });
  }

  toggle.addEventListener("click", function () {
    var opening = panel.hidden;
    panel.hidden = !opening;
    toggle.setAttribute("aria-expanded", opening ? "true" : "false");
    root.setAttribute("data-state", opening ? "open" : "closed");
    if (opening && !socket) { connect(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errors.textContent = "";
    send({type: online ? "start" : "ticket", name: form.elements.name.value, email: form.elements.email.value,
          question: form.elements.question.value, consent: consent.checked});
  });
  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body) { return; }
    errors.textContent = "";
    send({type: "message", body: body});
    input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); compose.requestSubmit(); return; }
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; send({type: "typing"}); }
  });
  leave.addEventListener("click", function () { send({type: "leave"}); });
  if (window.sessionStorage.getItem(storeKey)) { toggle.click(); }
})();
