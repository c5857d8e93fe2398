// Never miss a debtor (issue 21): on an agent's conversation page, what
// the debtor writes while the page is in the background raises an unread
// count in the page's title ("(2) …") and beside the chat, and, once the
// agent has allowed it, a browser notification, and the short tone of
// console-sound.js when its toggle is on. Coming back to the page
// reads them. Messages the page showed when it opened are read, and what
// the agent sees is marked read for the queue's unread counts.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var box = document.querySelector("[data-notify]");
  if (!root || !box || root.getAttribute("data-role") !== "agent") { return; }
  var log = root.querySelector("[data-chat-log]");
  var seen = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var title = document.title;
  var unread = 0;
  var enable = box.querySelector("[data-notify-enable]");
  var on = box.querySelector("[data-notify-on]");
  var denied = box.querySelector("[data-notify-denied]");
  var count = box.querySelector("[data-notify-unread]");
  var countText = box.querySelector("[data-notify-unread-text]").getAttribute("data-notify-unread-text");
  box.hidden = false;

  var supported = function () { return typeof window.Notification === "function"; };
  var state = function () {
    var p = supported() ? window.Notification.permission : "unsupported";
    enable.hidden = p !== "default";
    on.hidden = p !== "granted";
    denied.hidden = p !== "denied";
  };
  var away = function () { return document.hidden || !document.hasFocus(); };
  var show = function () {
    document.title = unread > 0 ? "(" + unread + ") " + title : title;
    count.textContent = unread > 0 ? countText.replace("%d", String(unread)) : "";
  };
  // What the agent has seen is read for the queue's counts too.
  var csrf = document.querySelector('input[name="csrf"]');
  var marked = seen;
  var postRead = function () {
    if (!csrf || seen <= marked || !window.fetch) { return; }
    var upTo = seen;
    var body = new URLSearchParams();
    body.set("csrf", csrf.value);
    body.set("seq", String(upTo));
    marked = upTo;
    window.fetch(window.location.pathname + "/read", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { marked = Math.min(marked, upTo - 1); } })
      .catch(function () { marked = Math.min(marked, upTo - 1); });
  };
  var read = function () {
    if (away()) { return; }
    if (unread > 0) { unread = 0; show(); }
    postRead();
  };
  enable.addEventListener("click", function () {
    if (!supported()) { return; }
    var asked = window.Notification.requestPermission(state);
    if (asked && asked.then) { asked.then(state); }
  });
  // A debtor's message: a text or an offer not written by a user.
  var fromDebtor = function (li) {
    return !li.classList.contains("mine") && (li.classList.contains("msg-text") || li.classList.contains("msg-offer"));
  };
  var notify = function (li) {
    if (!supported() || window.Notification.permission !== "granted") { return; }
    var p = li.querySelector(".text");
    var body = p ? p.textContent : box.getAttribute("data-offer");
    if (body.length > 140) { body = body.slice(0, 139) + "…"; }
    var n = new window.Notification(box.getAttribute("data-title"), { body: body, tag: root.getAttribute("data-ws") });
    n.onclick = function () { window.focus(); n.close(); };
  };
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      Array.prototype.forEach.call(r.addedNodes, function (li) {
        if (li.nodeType !== 1 || !li.hasAttribute("data-seq")) { return; }
        var seq = parseInt(li.getAttribute("data-seq"), 10);
        if (!(seq > seen)) { return; }
        seen = seq;
        if (!fromDebtor(li)) { return; }
        if (away()) {
          unread += 1;
          show();
          notify(li);
          document.dispatchEvent(new CustomEvent("relais:sound"));
        } else {
          postRead();
        }
      });
    });
  }).observe(log, { childList: true });
  document.addEventListener("visibilitychange", read);
  window.addEventListener("focus", read);
  state();
}());
