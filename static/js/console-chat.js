// Relais agent console, conversation page: what agents need beside the
// shared chat script (static/js/chat.js, loaded after this file):
//   - each message shows when it was written;
//   - an offer outside the policy says how, in words and money, instead
//     of bound codes and minor units;
//   - "Refuse" opens a form in the page (reasons to pick, in the debtor's
//     language, and free text) instead of the browser's prompt().
// chat.js renders messages without exposing them, so this file reads the
// frames it receives (a wrapper of WebSocket, installed before chat.js
// connects) and completes each message element chat.js appends. No inline
// script (the CSP forbids it); user text only ever goes in textContent.
"use strict";
(function () {
  var root = document.getElementById("chat");
  if (!root || root.getAttribute("data-role") !== "agent" || !window.WebSocket) { return; }
  var log = root.querySelector("[data-chat-log]");
  var currency = root.getAttribute("data-currency") || "EUR";
  var exponent = parseInt(root.getAttribute("data-exponent"), 10);
  if (isNaN(exponent)) { exponent = currency === "JPY" ? 0 : 2; }

  // money: "2,500.00 EUR", "−3.10 EUR", never "−0.00 EUR" (as the
  // console's pages write amounts).
  function money(v) {
    v = Number(v) || 0;
    var neg = v < 0, s = String(Math.abs(Math.round(v)));
    while (exponent > 0 && s.length <= exponent) { s = "0" + s; }
    var whole = exponent > 0 ? s.slice(0, s.length - exponent) : s;
    var frac = exponent > 0 ? "." + s.slice(s.length - exponent) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (neg && v !== 0 ? "\u2212" : "") + whole + frac + " " + currency;
  }
  function plural(n, one, many) { return n + " " + (Math.abs(n) === 1 ? one : many); }

  // breach says one broken bound in words: limit is the policy's value,
  // got the offer's (months, days or minor units); balance what was owed.
  // Keep in step with breachText in server/console_pages.go.
  function breach(b, balance) {
    var got = Number(b.got) || 0, limit = Number(b.limit) || 0;
    switch (b.bound) {
      case "plan_length": return "a plan over " + plural(got, "month", "months") + " asked, the policy allows " + plural(limit, "month", "months") + " at most";
      case "no_plan": return plural(got, "instalment", "instalments") + " asked, the policy allows no instalment plan" + (balance > 0 ? " for a balance of " + money(balance) : "");
      case "min_instalment": return "instalments of " + money(got) + " asked, the policy's minimum is " + money(limit);
      case "min_down_payment":
        return (got === 0 ? "no down payment offered" : "a down payment of " + money(got) + " offered") + ", the policy asks at least " + money(limit);
      case "covers_balance": return "the plan leaves " + money(limit - got) + " unpaid (it pays " + money(got) + " of " + money(limit) + ")";
      case "max_discount":
        if (balance > 0) {
          return "a discount of " + money(balance - got) + " asked (a settlement of " + money(got) + "), the policy allows at most " +
            money(balance - limit) + " (a settlement of at least " + money(limit) + ")";
        }
        return "a settlement of " + money(got) + " offered, the policy accepts at least " + money(limit);
      case "promise_too_far": return "payment promised in " + plural(got, "day", "days") + ", the policy allows " + plural(limit, "day", "days") + " at most";
      case "needs_agent": return "an agent decides (a call-back request, or an agent's own offer)";
    }
    return String(b.bound || "");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function stamp(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    var now = new Date();
    if (d.toDateString() === now.toDateString()) { return hm; }
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + hm;
  }

  // The messages chat.js is about to render, in the order it renders
  // them (it renders each seq once, as this list keeps it).
  var pendingMsgs = [], seen = {};
  function tap(ev) {
    var f;
    try { f = JSON.parse(ev.data); } catch (e) { return; }
    if (f && f.type === "message" && f.msg && !seen[f.msg.seq]) {
      seen[f.msg.seq] = true;
      pendingMsgs.push(f.msg);
    }
  }
  var Native = window.WebSocket;
  var Tapped = function (url, protocols) {
    var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener("message", tap);  // before chat.js's onmessage
    return ws;
  };
  Tapped.prototype = Native.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Tapped[k] = Native[k]; });
  window.WebSocket = Tapped;

  function decorate(li, m) {
    var who = li.querySelector(".who");
    var when = stamp(m.created_at);
    if (who && when && !li.querySelector("time.msg-time")) {
      var t = document.createElement("time");
      t.className = "msg-time";
      t.dateTime = m.created_at;
      t.title = new Date(m.created_at).toLocaleString();
      t.textContent = when;
      who.appendChild(document.createTextNode(" · "));
      who.appendChild(t);
    }
    var br = li.querySelector(".offer-breaches");
    var v = m.verdict;
    if (br && v && v.breaches && v.breaches.length) {
      br.textContent = "Outside the policy: " + v.breaches.map(function (b) { return breach(b, Number(v.balance) || 0); }).join("; ") + ".";
    }
  }
  function matches(li, m) { return li.classList.contains("msg-" + m.kind); }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (li) {
        // chat.js's message elements start with the author; its error
        // lines and PDF links have none.
        if (li.nodeType !== 1 || !li.classList.contains("msg") || !li.querySelector(".who")) { return; }
        while (pendingMsgs.length && !matches(li, pendingMsgs[0])) { pendingMsgs.shift(); }
        var m = pendingMsgs.shift();
        if (m) { decorate(li, m); }
      });
    });
  }).observe(log, { childList: true });

  // Refuse: the click on an offer's "Refuse" never reaches chat.js's
  // handler (which would open prompt()); the page's form opens under the
  // offer instead. Submitting it hands the reason to chat.js, which sends
  // the refusal (and resends it after a reconnect) as for any frame.
  var form = root.querySelector("[data-refuse-form]");
  if (!form) { return; }
  var problem = form.querySelector("[data-refuse-problem]");
  var target = null, passing = false;
  root.addEventListener("click", function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest(".offer-actions button.secondary") : null;
    if (!b || passing) { return; }
    ev.stopPropagation();
    ev.preventDefault();
    target = b;
    form.reset();
    problem.hidden = true;
    var card = b.closest(".offer-card") || b.parentNode;
    card.appendChild(form);
    form.hidden = false;
    var first = form.querySelector("input[name=reason]");
    if (first) { first.focus(); }
  }, true);
  form.querySelector("[data-refuse-cancel]").addEventListener("click", function () {
    form.hidden = true;
    target = null;
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var picked = form.querySelector("input[name=reason]:checked");
    var reason = [picked ? picked.value : "", form.text.value.trim()].filter(function (x) { return x; }).join(" ");
    if (!reason) {
      problem.hidden = false;
      form.text.focus();
      return;
    }
    if (!target || !target.isConnected) {  // the offer was decided meanwhile
      form.hidden = true;
      return;
    }
    var saved = window.prompt;
    window.prompt = function () { return reason.slice(0, 500); };
    passing = true;
    try { target.click(); } finally { passing = false; window.prompt = saved; }
    form.hidden = true;
    root.appendChild(form);
    target = null;
  });
}());
