/* The agents' live chat console: the waiting queue and the agent's chats over one WebSocket.
 * Every text from the socket is put in with textContent, never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) { return; }
  var status = document.getElementById("chat-status");
  var waiting = document.getElementById("chat-waiting");
  var sessions = document.getElementById("chat-sessions");
  var template = document.getElementById("chat-session-template");
  var socket = null;
  var views = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }
  function send(data) { if (socket && socket.readyState === 1) { socket.send(JSON.stringify(data)); } }

  function showQueue(list) {
    waiting.textContent = "";
    if (!list.length) { waiting.appendChild(el("li", "chat-empty", root.dataset.empty)); }
    list.forEach(function (s) {
      var item = el("li", "chat-waiting-item");
      item.dataset.session = s.id;
      item.appendChild(el("strong", "", s.name));
      item.appendChild(el("span", "chat-meta", " " + s.waiting_since + " · " + s.queue));
      item.appendChild(el("p", "chat-question", s.question));
      var accept = el("button", "btn btn-primary", root.dataset.accept);
      accept.type = "button";
      accept.addEventListener("click", function () { send({type: "accept", session: s.id}); });
      item.appendChild(accept);
      waiting.appendChild(item);
    });
  }

  function addMessage(view, m) {
    var item = el("li", "chat-msg chat-from-" + m.from);
    if (m.name) { item.appendChild(el("span", "chat-who", m.name)); }
    item.appendChild(el("span", "chat-body", m.body));
    item.appendChild(el("time", "", m.at));
    view.log.appendChild(item);
    view.log.scrollTop = view.log.scrollHeight;
  }

  function openSession(data) {
    var id = data.session.id;
    var view = views[id];
    if (!view) {
      var node = template.content.firstElementChild.cloneNode(true);
      node.dataset.session = id;
      view = {node: node, log: node.querySelector(".chat-log"), typing: node.querySelector(".chat-typing"),
              form: node.querySelector(".chat-send")};
      views[id] = view;
      sessions.appendChild(node);
      wire(id, view);
    }
    view.node.querySelector(".chat-title").textContent = data.session.name + " — " + data.session.question;
    var card = data.card;
    var contact = view.node.querySelector(".chat-contact");
    contact.textContent = card.name;
    if (card.url) { contact.href = card.url; }
    view.node.querySelector(".chat-email").textContent = card.email || "";
    view.node.querySelector(".chat-phone").textContent = card.phone || "";
    view.node.querySelector(".chat-company").textContent = card.company || "";
    view.node.querySelector(".chat-tickets").textContent = card.open_tickets ? "#" + card.open_tickets : "";
    view.log.textContent = "";
    data.messages.forEach(function (m) { addMessage(view, m); });
  }

  function closeSession(id) {
    var view = views[id];
    if (!view) { return; }
    view.form.hidden = true;
    view.log.appendChild(el("li", "chat-msg chat-from-system", root.dataset.ended));
    window.setTimeout(function () { view.node.remove(); delete views[id]; }, 4000);
  }

  function wire(id, view) {
    var body = view.form.elements.body;
    var last = 0;
    view.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = body.value.trim();
      if (!text) { return; }
      send({type: "message", session: id, body: text});
      body.value = "";
    });
    body.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); view.form.requestSubmit(); return; }
      var now = Date.now();
      if (now - last > 2000) { last = now; send({type: "typing", session: id}); }
    });
    view.form.elements.canned.addEventListener("change", function (event) {
      if (event.target.value) { send({type: "canned", session: id, canned: event.target.value}); }
      event.target.value = "";
    });
    view.form.elements.transfer.addEventListener("change", function (event) {
      var parts = event.target.value.split(":");
      if (parts.length === 2) {
        var data = {type: "transfer", session: id};
        data[parts[0]] = parts[1];
        send(data);
      }
      event.target.value = "";
    });
    view.form.querySelectorAll("[data-end]").forEach(function (button) {
      button.addEventListener("click", function () {
        send({type: "end", session: id, resolved: button.dataset.end === "resolved"});
      });
    });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + window.location.host + root.dataset.socket);
    socket.addEventListener("open", function () { status.textContent = status.dataset.online; });
    socket.addEventListener("close", function () {
      status.textContent = status.dataset.offline;
      window.setTimeout(connect, 3000);
    });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      var view = data.session && views[data.session];
      if (data.type === "queue") { showQueue(data.sessions); }
      else if (data.type === "open") { openSession(data); }
      else if (data.type === "message" && view) { view.typing.hidden = true; addMessage(view, data); }
      else if (data.type === "typing" && view) {
        view.typing.textContent = root.dataset.typing;
        view.typing.hidden = false;
        window.clearTimeout(view.timer);
        view.timer = window.setTimeout(function () { view.typing.hidden = true; }, 4000);
      }
      else if (data.type === "canned" && view) { view.form.elements.body.value = data.body; view.form.elements.body.focus(); }
      else if (data.type === "ended" || data.type === "transferred") { closeSession(data.session); }
      else if (data.type === "error") {
        var text = Object.keys(data.errors).map(function (k) { return data.errors[k].join(" "); }).join(" ");
        if (view) { addMessage(view, {from: "system", name: "", body: text, at: ""}); } else { status.textContent = text; }
      }
    });
  }
  window.setInterval(function () { send({type: "ping"}); }, 30000);
  connect();
})();
