// Prepared replies in the agent's composer (issue 21). Typing "/" and a
// short name lists the creditor's replies, already filled from the claim
// by the server; choosing one (Enter, Tab or a click) puts its text in the
// message box, where the agent reads it before sending. A reply the claim
// has no value for is refused with the reason and never inserted: no
// message leaves with braces in it (the server refuses one too).
(function () {
  "use strict";
  var picker = document.querySelector("[data-replies]");
  var form = document.querySelector("[data-chat-form]");
  if (!picker || !form || !form.text) { return; }
  var box = form.text;
  var list = picker.querySelector("[data-replies-list]");
  var problem = picker.querySelector("[data-replies-problem]");
  var nomatch = picker.querySelector("[data-replies-nomatch]");
  var items = Array.prototype.slice.call(list.querySelectorAll("li"));
  var shown = [];
  var current = -1;
  // Under the message box.
  var label = box.closest("label") || box;
  label.parentNode.insertBefore(picker, label.nextSibling);

  var typed = function () {
    var m = /^\/([a-z0-9_-]*)$/.exec(box.value.trim());
    return m ? m[1] : null;
  };
  var mark = function (i) {
    current = i;
    shown.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
  };
  var hideProblem = function () { problem.hidden = true; problem.textContent = ""; };
  var close = function () { picker.hidden = true; shown = []; current = -1; };
  var update = function () {
    var prefix = typed();
    if (prefix === null) { close(); hideProblem(); return; }
    shown = [];
    items.forEach(function (li) {
      var ok = li.getAttribute("data-name").indexOf(prefix) === 0;
      li.hidden = !ok;
      if (ok) { shown.push(li); }
    });
    nomatch.hidden = shown.length > 0;
    picker.hidden = false;
    mark(shown.length ? 0 : -1);
  };
  var choose = function (li) {
    var missing = li.getAttribute("data-missing");
    if (missing) {
      problem.textContent = missing;
      problem.hidden = false;
      box.focus();
      return;
    }
    hideProblem();
    box.value = li.getAttribute("data-text");
    close();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  };

  box.addEventListener("input", update);
  box.addEventListener("keydown", function (ev) {
    if (picker.hidden || !shown.length) { return; }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      var n = shown.length;
      mark((current + (ev.key === "ArrowDown" ? 1 : n - 1)) % n);
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      ev.preventDefault();
      swallow = true;
      choose(shown[current < 0 ? 0 : current]);
    } else if (ev.key === "Escape") {
      close();
    }
  });
  // The key that chose a reply types nothing into it (some input methods
  // send its character apart from the key press).
  var swallow = false;
  box.addEventListener("beforeinput", function (ev) {
    if (swallow && (ev.inputType === "insertLineBreak" || ev.inputType === "insertParagraph" || ev.data === "\t")) { ev.preventDefault(); }
    swallow = false;
  });
  box.addEventListener("keyup", function () { swallow = false; });
  list.addEventListener("click", function (ev) {
    var li = ev.target.closest("li");
    if (li) { choose(li); }
  });
  // "/name" sent as it is would reach the debtor as a command: choose the
  // reply instead (this listener runs before chat.js sends).
  form.addEventListener("submit", function (ev) {
    var name = typed();
    if (name === null) { return; }
    var exact = items.filter(function (li) { return li.getAttribute("data-name") === name; });
    if (!exact.length) { return; }
    ev.preventDefault();
    ev.stopImmediatePropagation();
    choose(exact[0]);
  }, true);
}());
