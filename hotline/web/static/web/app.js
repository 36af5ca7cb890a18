/* Keyboard shortcuts and small helpers shared by every page (no framework). */
(function () {
  "use strict";
  // Elements with data-shortcut="Alt+1" are clicked (buttons, links) or focused (fields).
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
    if (event.code && /^Digit\d$/.test(event.code)) key = event.code.slice(5);
    var target = document.querySelector('[data-shortcut="Alt+' + key + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.matches("input, textarea, select")) target.focus();
    else target.click();
  });
  // data-fill='{"id": "value"}' sets fields; data-fill-from/-to copies one field into another.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill], [data-fill-from]");
    if (!button) return;
    if (button.dataset.fill) {
      var pairs = JSON.parse(button.dataset.fill);
      Object.keys(pairs).forEach(function (id) {
        var el = document.getElementById(id);
        if (el) el.value = pairs[id];
      });
    }
    if (button.dataset.fillFrom && button.dataset.fillTo) {
      var from = document.getElementById(button.dataset.fillFrom);
      var to = document.getElementById(button.dataset.fillTo);
      if (from && to) to.value = from.value;
    }
    var focus = button.dataset.focus && document.getElementById(button.dataset.focus);
    if (focus) focus.focus();
  });
  // data-insert="text": a stock phrase into the text field last used (the answer field
  // by default), at the cursor, so the operator can go on typing after it.
  var lastText = null;
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("textarea, input[type=text]")) lastText = event.target;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert]");
    if (!button) return;
    var field = lastText || document.getElementById("id_answer");
    if (!field) return;
    var at = typeof field.selectionStart === "number" ? field.selectionStart : field.value.length;
    var end = typeof field.selectionEnd === "number" ? field.selectionEnd : at;
    var phrase = button.dataset.insert;
    field.value = field.value.slice(0, at) + phrase + field.value.slice(end);
    field.focus();
    field.selectionStart = field.selectionEnd = at + phrase.length;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
