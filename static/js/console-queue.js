// The live queue (issue 21): the queue page listens on the console's
// websocket (/console/queue/live) and, on each "queue" frame (a debtor
// wrote, a conversation was taken, handed over or resolved, a new one
// waits), fetches the page again and swaps in its lists and its title
// ("(3) Queue": the unread count). Every minute it does so anyway, for
// the time left to answer. A conversation whose unread count rises raises
// a browser notification once the user has allowed them; that, or a
// conversation newly waiting, plays the short tone of console-sound.js
// when its toggle is on (one per refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-queue-live]");
  if (!box || !window.WebSocket || !window.fetch || !window.DOMParser) { return; }
  var status = box.querySelector("[data-queue-live-status]");
  var enable = box.querySelector("[data-notify-enable]");
  var denied = box.querySelector("[data-notify-denied]");
  box.hidden = false;

  // The lists the page swaps: the waiting conversations and those held.
  var lists = function (doc) {
    return Array.prototype.slice.call(doc.querySelectorAll("#waiting, #mine, #held"));
  };
  var unreadOf = function (doc) {
    var out = {};
    Array.prototype.forEach.call(doc.querySelectorAll("tr[data-conv]"), function (tr) {
      var n = parseInt(tr.getAttribute("data-unread"), 10) || 0;
      var id = tr.getAttribute("data-conv");
      if (!(id in out) || n > out[id].n) {
        out[id] = { n: n, reference: tr.getAttribute("data-reference"), debtor: tr.getAttribute("data-debtor") };
      }
    });
    return out;
  };
  var waitingOf = function (doc) {
    var out = {};
    Array.prototype.forEach.call(doc.querySelectorAll("#waiting tr[data-conv]"), function (tr) {
      out[tr.getAttribute("data-conv")] = true;
    });
    return out;
  };

  var supported = function () { return typeof window.Notification === "function"; };
  var state = function () {
    var p = supported() ? window.Notification.permission : "unsupported";
    enable.hidden = p !== "default";
    denied.hidden = p !== "denied";
  };
  enable.addEventListener("click", function () {
    if (!supported()) { return; }
    var asked = window.Notification.requestPermission(state);
    if (asked && asked.then) { asked.then(state); }
  });
  var notify = function (id, row) {
    if (!supported() || window.Notification.permission !== "granted") { return; }
    var title = box.getAttribute("data-title").replace("%s", row.reference || "");
    var n = new window.Notification(title, { body: row.debtor || "", tag: "queue-" + id });
    n.onclick = function () { window.focus(); n.close(); };
  };

  var known = unreadOf(document);
  var waiting = waitingOf(document);
  var busy = false, again = false, timer = null;
  var refresh = function () {
    if (busy) { again = true; return; }
    busy = true;
    window.fetch(window.location.pathname + window.location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = {};
        lists(doc).forEach(function (el) { fresh[el.id] = el; });
        lists(document).forEach(function (el) {
          if (fresh[el.id]) { el.replaceWith(document.importNode(fresh[el.id], true)); }
        });
        document.title = doc.title;
        var now = unreadOf(doc);
        var sound = false;
        Object.keys(now).forEach(function (id) {
          if (now[id].n > (known[id] ? known[id].n : 0)) { notify(id, now[id]); sound = true; }
        });
        known = now;
        var nowWaiting = waitingOf(doc);
        Object.keys(nowWaiting).forEach(function (id) { if (!waiting[id]) { sound = true; } });
        waiting = nowWaiting;
        if (sound) { document.dispatchEvent(new CustomEvent("relais:sound")); }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  };
  // Several changes at once make one fetch.
  var soon = function () {
    if (timer) { return; }
    timer = window.setTimeout(function () { timer = null; refresh(); }, 200);
  };

  var delay = 1000;
  var connect = function () {
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + box.getAttribute("data-queue-live");
    var ws = new window.WebSocket(url);
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "welcome") {
        delay = 1000;
        status.textContent = status.getAttribute("data-text-on");
        box.setAttribute("data-live", "on");
        soon(); // what changed while connecting
      } else if (f.type === "queue") {
        soon();
      }
    };
    ws.onclose = function () {
      status.textContent = status.getAttribute("data-text-off");
      box.setAttribute("data-live", "off");
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  };
  window.setInterval(refresh, 60000);
  state();
  connect();
}());
