/* Service → Settings → a chat channel: the copy button beside the widget's snippet. */
(function () {
  "use strict";

  function selectText(node) {
    if (!node) { return; }
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    var text = source ? source.textContent : "";
    var status = document.querySelector("[data-copy-status]");
    var label = button.querySelector("span");
    var done = function () {
      var copied = button.getAttribute("data-copied");
      var before = label ? label.textContent : "";
      if (label) { label.textContent = copied; }
      if (status) { status.textContent = copied; }
      window.setTimeout(function () { if (label) { label.textContent = before; } }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      // Without the clipboard (a plain-HTTP address): the text selected, for Ctrl+C.
      selectText(source);
    }
  });
})();
