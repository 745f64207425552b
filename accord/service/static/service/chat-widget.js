/* Accord's live chat widget. Embed with:
 *   <script src="https://accord.example.com/static/service/chat-widget.js" data-key="KEY" async></script>
 * It talks to Accord over one WebSocket; every text from it is put in with textContent, never as HTML.
 * Its labels come in the page's language (<html lang>) from the table below, English otherwise. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.key) { return; }
  var base = new URL(script.src, window.location.href);
  var key = script.dataset.key;
  var storeKey = "accord-chat-" + key;
  var T = {
    en: {open: "Chat with us", name: "Your name", email: "E-mail", question: "Your question", start: "Start chat",
         send: "Send", leave: "End chat", offline: "Nobody is available right now. Leave us a message and we will write back.",
         ticket: "Send message", thanks: "Thank you. Your request number is ", typing: "Typing…", ended: "The chat has ended.",
         message: "Message", close: "Close"},
    pl: {open: "Czat z nami", name: "Imię i nazwisko", email: "E-mail", question: "Twoje pytanie", start: "Rozpocznij czat",
         send: "Wyślij", leave: "Zakończ czat", offline: "Nikt nie jest teraz dostępny. Zostaw wiadomość, a odpiszemy.",
         ticket: "Wyślij wiadomość", thanks: "Dziękujemy. Numer zgłoszenia: ", typing: "Pisze…", ended: "Czat został zakończony.",
         message: "Wiadomość", close: "Zamknij"},
    lt: {open: "Pokalbis su mumis", name: "Jūsų vardas", email: "El. paštas", question: "Jūsų klausimas", start: "Pradėti pokalbį",
         send: "Siųsti", leave: "Baigti pokalbį", offline: "Šiuo metu niekas negali atsakyti. Palikite žinutę ir mes atsakysime.",
         ticket: "Siųsti žinutę", thanks: "Ačiū. Jūsų užklausos numeris: ", typing: "Rašo…", ended: "Pokalbis baigtas.",
         message: "Žinutė", close: "Uždaryti"},
    ro: {open: "Discută cu noi", name: "Numele tău", email: "E-mail", question: "Întrebarea ta", start: "Începe discuția",
         send: "Trimite", leave: "Încheie discuția", offline: "Nu este nimeni disponibil acum. Lasă-ne un mesaj și îți vom răspunde.",
         ticket: "Trimite mesajul", thanks: "Mulțumim. Numărul solicitării: ", typing: "Scrie…", ended: "Discuția s-a încheiat.",
         message: "Mesaj", close: "Închide"},
    ru: {open: "Чат с нами", name: "Ваше имя", email: "E-mail", question: "Ваш вопрос", start: "Начать чат",
         send: "Отправить", leave: "Завершить чат", offline: "Сейчас никого нет на месте. Оставьте сообщение, и мы ответим.",
         ticket: "Отправить сообщение", thanks: "Спасибо. Номер обращения: ", typing: "Печатает…", ended: "Чат завершён.",
         message: "Сообщение", close: "Закрыть"}
  };
  var lang = (document.documentElement.lang || "en").slice(0, 2).toLowerCase();
  var t = T[lang] || T.en;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var css = el("link", {rel: "stylesheet", href: new URL("chat-widget.css", base).href});
  document.head.appendChild(css);
  var root = el("div", {"class": "accord-chat", "data-state": "closed"});
  var toggle = el("button", {type: "button", "class": "accord-chat-toggle", "aria-expanded": "false"}, t.open);
  var panel = el("div", {"class": "accord-chat-panel", role: "dialog", "aria-label": t.open, hidden: ""});
  var title = el("h2", {"class": "accord-chat-title"}, t.open);
  var greeting = el("p", {"class": "accord-chat-greeting"});
  var note = el("p", {"class": "accord-chat-note", role: "status"});
  var errors = el("p", {"class": "accord-chat-errors", role: "alert"});
  var form = el("form", {"class": "accord-chat-form"});
  function field(name, label, tag, type) {
    var wrap = el("label", {}, label);
    var input = el(tag, tag === "input" ? {name: name, type: type, required: ""} : {name: name, required: "", rows: "3"});
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }
  field("name", t.name, "input", "text");
  field("email", t.email, "input", "email");
  field("question", t.question, "textarea");
  var consentLabel = el("label", {"class": "accord-chat-consent"});
  var consent = el("input", {type: "checkbox", name: "consent", required: ""});
  var consentText = el("span");
  consentLabel.appendChild(consent);
  consentLabel.appendChild(consentText);
  form.appendChild(consentLabel);
  var submit = el("button", {type: "submit", "class": "accord-chat-submit"}, t.start);
  form.appendChild(submit);
  var log = el("ol", {"class": "accord-chat-log", "aria-live": "polite", hidden: ""});
  var typing = el("p", {"class": "accord-chat-typing", hidden: ""}, t.typing);
  var compose = el("form", {"class": "accord-chat-compose", hidden: ""});
  var input = el("textarea", {name: "body", rows: "2", "aria-label": t.message, maxlength: "5000"});
  compose.appendChild(input);
  compose.appendChild(el("button", {type: "submit"}, t.send));
  var leave = el("button", {type: "button", "class": "accord-chat-leave", hidden: ""}, t.leave);
  [title, greeting, note, errors, form, log, typing, compose, leave].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(toggle);
  root.appendChild(panel);
  document.body.appendChild(root);

  var socket = null;
  var online = false;
  var lastTyping = 0;

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
    socket = new WebSocket(scheme + "//" + base.host + "/ws/service/chat/visitor/" + encodeURIComponent(key) + "/");
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "hello") {
        online = data.online;
        title.textContent = data.title || t.open;
        greeting.textContent = data.greeting || "";
        consentText.textContent = data.consent;
        note.textContent = online ? "" : t.offline;
        submit.textContent = online ? t.start : t.ticket;
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
        if (data.type === "ended") { note.textContent = t.ended; compose.hidden = true; leave.hidden = true; }
      } else if (data.type === "ticket") {
        form.hidden = true;
        note.textContent = t.thanks + data.number;
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
