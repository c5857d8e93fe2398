// Relais agent console, conversation page: what agents need beside the
// shared chat script (static/js/chat.js, loaded after this file):
//   - each message shows when it was written, in the console's language
//     and the tenant's time zone (else UTC), labelled;
//   - an offer outside the policy says how, in words and money, instead
//     of bound codes and minor units;
//   - the claim panel's offers and agreements follow the conversation
//     live;
//   - "Refuse" opens a form in the page (reasons to pick, in the debtor's
//     language, and free text) instead of the browser's prompt().
// chat.js renders messages without exposing them, so this file reads the
// frames it receives (a wrapper of WebSocket, installed before chat.js
// connects) and completes each message element chat.js appends. No inline
// script (the CSP forbids it); user text only ever goes in textContent;
// no text is written here: the page gives them, translated (data-console).
"use strict";
(function () {
  var root = document.getElementById("chat");
  if (!root || root.getAttribute("data-role") !== "agent" || !window.WebSocket) { return; }
  var log = root.querySelector("[data-chat-log]");
  var currency = root.getAttribute("data-currency") || "EUR";
  var exponent = parseInt(root.getAttribute("data-exponent"), 10);
  if (isNaN(exponent)) { exponent = currency === "JPY" ? 0 : 2; }
  // Everything this file writes comes from the page, in the console's
  // language (consoleChatTexts in server/console_chat_texts.go): the
  // sentences, how amounts and dates are written, the zone of the times.
  var cfg = {};
  try { cfg = JSON.parse(root.getAttribute("data-console") || "{}") || {}; } catch (e) { cfg = {}; }
  var texts = cfg.texts || {};
  var lang = cfg.lang || root.getAttribute("data-lang") || "en";
  var group = cfg.group === undefined ? "," : cfg.group, decimal = cfg.decimal || ".";
  var months = cfg.months || [];
  var zone = cfg.zone || "UTC", zoneLabel = cfg.zone_label || "UTC";
  // fill replaces {name} in a text with vars[name].
  function fill(s, vars) {
    return String(s || "").replace(/\{(\w+)\}/g, function (all, k) { return vars[k] !== undefined ? String(vars[k]) : all; });
  }
  function tx(k, vars) { return fill(texts[k], vars || {}); }

  // money writes minor units as the console's pages do (i18n.Amount):
  // "2,500.00 EUR" (en), "2.500,00 EUR" (nl, de), a real minus, and never
  // "−0.00 EUR".
  function money(v) {
    v = Math.round(Number(v) || 0);
    var neg = v < 0, s = String(Math.abs(v));
    while (exponent > 0 && s.length <= exponent) { s = "0" + s; }
    var whole = exponent > 0 ? s.slice(0, s.length - exponent) : s;
    var frac = exponent > 0 ? decimal + s.slice(s.length - exponent) : "";
    whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
    return (neg ? "\u2212" : "") + whole + frac + " " + currency;
  }
  // count is n of a unit in words: "1 month", "12 months".
  function count(unit, n) { return tx("unit." + unit + "." + (Math.abs(n) === 1 ? "one" : "many"), { count: n }); }

  // breach says one broken bound in words: limit is the policy's value,
  // got the offer's (months, days or minor units); balance what was owed.
  // The same messages as breachText in server/console_pages.go.
  function breach(b, balance) {
    var got = Number(b.got) || 0, limit = Number(b.limit) || 0;
    var k = "breach." + b.bound, vars = {};
    switch (b.bound) {
      case "plan_length": vars = { got: count("month", got), limit: count("month", limit) }; break;
      case "no_plan":
        vars = { got: count("instalment", got), balance: money(balance) };
        if (balance > 0) { k += ".balance"; }
        break;
      case "min_instalment": vars = { got: money(got), limit: money(limit) }; break;
      case "min_down_payment":
        vars = { got: money(got), limit: money(limit) };
        if (got === 0) { k += ".none"; }
        break;
      case "covers_balance": vars = { short: money(limit - got), got: money(got), limit: money(limit) }; break;
      case "max_discount":
        vars = { discount: money(balance - got), got: money(got), max_discount: money(balance - limit), limit: money(limit) };
        if (balance > 0) { k += ".balance"; }
        break;
      case "promise_too_far": vars = { got: count("day", got), limit: count("day", limit) }; break;
    }
    return texts[k] ? tx(k, vars) : String(b.bound || "");
  }
  // The hand-over and policy block below lists breaches in the same words.
  root.relaisBreach = breach;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // partsIn is an instant's day and time in the page's zone (the tenant's,
  // else UTC).
  function partsIn(d) {
    var opts = { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }, f;
    try {
      f = new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: zone }, opts));
    } catch (e) {
      zone = "UTC";
      zoneLabel = "UTC";
      f = new Intl.DateTimeFormat("en-GB", Object.assign({ timeZone: "UTC" }, opts));
    }
    var p = {};
    f.formatToParts(d).forEach(function (x) { p[x.type] = x.value; });
    return { y: +p.year, m: +p.month, d: +p.day, time: pad((+p.hour) % 24) + ":" + p.minute };
  }
  // day writes a date as i18n.Date: "5 March 2026", "1er mars 2026", "5. März 2026".
  function day(p) {
    var d = String(p.d);
    if (lang === "de") { d += "."; }
    if (lang === "fr" && p.d === 1) { d = "1er"; }
    return d + "\u00a0" + (months[p.m - 1] || p.m) + " " + p.y;
  }
  // stamp is when a message was written, labelled with its zone: the time
  // alone today, else the date too.
  function stamp(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return null; }
    var p = partsIn(d), now = partsIn(new Date());
    var full = day(p) + " " + p.time + " " + zoneLabel;
    return { full: full, short: p.y === now.y && p.m === now.m && p.d === now.d ? p.time + " " + zoneLabel : full };
  }

  // The offers and agreements of the claim panel follow the conversation:
  // after an offer, a decision or a signature that arrives live (after
  // the page's last seq), the panel's parts are fetched again from this
  // page, as the server renders them.
  var pageSeq = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var refreshTimer = null, refreshing = false, refreshAgain = false;
  function refreshPanels() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      document.querySelectorAll("[data-live-panel][id]").forEach(function (old) {
        var fresh = doc.getElementById(old.id);
        if (fresh) { old.replaceWith(document.importNode(fresh, true)); }
      });
    }).catch(function () { /* the next change tries again */ }).then(function () {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; laterRefresh(); }
    });
  }
  function laterRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshPanels, 200);
  }
  var panelKinds = { offer: true, counter_offer: true, accept: true, refuse: true };
  function changesPanels(m) {
    return m.seq > pageSeq && (panelKinds[m.kind] || (m.kind === "system" && m.text === "agreement.signed"));
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
      if (changesPanels(f.msg)) { laterRefresh(); }
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
      t.title = tx("time.title", { when: when.full });
      t.textContent = when.short;
      who.appendChild(document.createTextNode(" · "));
      who.appendChild(t);
    }
    var br = li.querySelector(".offer-breaches");
    var v = m.verdict;
    if (br && v && v.breaches && v.breaches.length) {
      br.textContent = tx("outside", { breaches: v.breaches.map(function (b) { return breach(b, Number(v.balance) || 0); }).join("; ") });
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

// Hand-over and policy confirmation (issue 25, points 2 and 4), kept apart
// from the block above:
//   - a transfer reads "Ann handed the conversation over to Bob" (the names
//     come with the message), its note below;
//   - when the conversation changes hands while the page is open, the page
//     reloads to show who may write (or says so, if text is being typed);
//   - a message the server refuses goes back into the box, with the
//     reason under it, in the console's language;
//   - a counter-offer or acceptance outside the policy opens a form in the
//     page listing the breaches and asking for the reason; confirmed, the
//     same frame goes again with confirm_outside_policy and policy_reason.
// It wraps the WebSocket constructor too (after the block above, before
// chat.js connects) to see the frames chat.js sends and receives.
(function () {
  var root = document.getElementById("chat");
  if (!root || root.getAttribute("data-role") !== "agent" || !window.WebSocket) { return; }
  var log = root.querySelector("[data-chat-log]");
  var me = root.getAttribute("data-user-id") || "";
  var canWrite = root.getAttribute("data-can-write") === "true";
  var composer = root.querySelector("[data-chat-form]");
  var problem = root.querySelector("[data-send-problem]");
  var outside = root.querySelector("[data-outside-form]");
  var texts = {};
  root.querySelectorAll("[data-texts] [data-t]").forEach(function (el) { texts[el.getAttribute("data-t")] = el.textContent; });
  function fill(k, vars) {
    return String(texts[k] || "").replace(/\{(\w+)\}/g, function (all, n) { return vars[n] !== undefined ? String(vars[n]) : all; });
  }

  var socket = null, replayedTo = 0, counter = 0;
  var sent = {};       // client id → frame sent, until acknowledged or refused
  var transfers = [];  // transfer messages chat.js is about to render
  var seen = {};

  function remember(data) {
    var f;
    try { f = JSON.parse(data); } catch (e) { return; }
    if (f && f.id && ["text", "note", "counter_offer", "accept"].indexOf(f.type) >= 0) { sent[f.id] = f; }
  }
  var Inner = window.WebSocket;
  var Wrapped = function (url, protocols) {
    var ws = protocols === undefined ? new Inner(url) : new Inner(url, protocols);
    var send = ws.send;
    ws.send = function (data) { remember(data); return send.call(ws, data); };
    ws.addEventListener("message", onFrame);  // before chat.js's onmessage
    socket = ws;
    return ws;
  };
  Wrapped.prototype = Inner.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { Wrapped[k] = Inner[k]; });
  window.WebSocket = Wrapped;

  function onFrame(ev) {
    var f;
    try { f = JSON.parse(ev.data); } catch (e) { return; }
    if (!f) { return; }
    if (f.type === "welcome") { replayedTo = Number(f.last_seq) || 0; }
    if (f.type === "message" && f.msg && f.msg.kind === "transfer" && !seen[f.msg.seq]) {
      seen[f.msg.seq] = true;
      transfers.push(f.msg);
      if (f.msg.seq > replayedTo) { changedHands(f.msg); }
    }
    if (f.type === "ack") {
      if (sent[f.id] && problem) { problem.hidden = true; }
      delete sent[f.id];
    }
    if (f.type === "error") { refused(f); }
  }

  // transferText names both agents, in the console's language.
  function transferText(m) {
    var by = (m.author && (m.author.name || m.author.id)) || "";
    var to = m.to_name || m.to_user_id || "", from = m.from_name || m.from_user_id || "";
    if (m.to_user_id && m.author && m.to_user_id === m.author.id) {
      return from ? fill("handover.takeover", { by: by, from: from }) : fill("handover.take", { by: by });
    }
    if (from && m.author && m.from_user_id !== m.author.id) { return fill("handover.transfer_from", { by: by, from: from, to: to }); }
    return fill("handover.transfer", { by: by, to: to });
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (li) {
        if (li.nodeType !== 1 || !li.classList.contains("msg-transfer") || !transfers.length) { return; }
        var m = transfers.shift();
        var p = document.createElement("p");
        p.className = "handover-text";
        p.textContent = transferText(m);
        var note = li.querySelector(".text");
        if (note && !note.textContent) { note.remove(); note = null; }
        li.insertBefore(p, note);
      });
    });
  }).observe(log, { childList: true });

  // changedHands: the page shows the composer to the holder only; when a
  // live transfer changes that, the page is reloaded to say who holds it.
  function changedHands(m) {
    if ((m.to_user_id === me) === canWrite) { return; }
    if (composer && composer.text.value.trim()) {
      showProblem(texts["handover.moved"] || "");
      return;
    }
    setTimeout(function () { location.reload(); }, 300);  // after the ack of one's own transfer
  }

  function showProblem(text) {
    if (!problem) { return; }
    problem.textContent = text;
    problem.hidden = false;
  }

  function refused(f) {
    var fr = sent[f.id];
    delete sent[f.id];
    if (!fr) { return; }
    if ((fr.type === "text" || fr.type === "note") && composer) {
      // The typed text is not lost: back in the box, the reason under it.
      if (!composer.text.value.trim()) { composer.text.value = fr.text || ""; }
      if (composer.note) { composer.note.checked = fr.type === "note"; }
      showProblem((f.message || "") + " " + (texts["handover.kept"] || ""));
      composer.text.focus();
      return;
    }
    if (f.reason === "offer.outside_policy" && outside) { confirmOutside(fr, f); }
  }

  var pendingFrame = null;
  function confirmOutside(fr, f) {
    pendingFrame = fr;
    var list = outside.querySelector("[data-outside-breaches]");
    list.textContent = "";
    var v = f.verdict || {};
    (v.breaches || []).forEach(function (b) {
      var li = document.createElement("li");
      li.textContent = root.relaisBreach ? root.relaisBreach(b, Number(v.balance) || 0) : String(b.bound);
      list.appendChild(li);
    });
    outside.querySelector("[data-outside-problem]").hidden = true;
    log.parentNode.insertBefore(outside, log.nextSibling);
    outside.hidden = false;
    outside.scrollIntoView({ block: "nearest" });
    outside.reason.focus();
  }
  if (outside) {
    outside.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var reason = outside.reason.value.trim();
      if (!reason) {
        outside.querySelector("[data-outside-problem]").hidden = false;
        outside.reason.focus();
        return;
      }
      if (!pendingFrame || !socket || socket.readyState !== 1) { return; }
      var again = JSON.parse(JSON.stringify(pendingFrame));
      counter += 1;
      again.id = pendingFrame.id + "-confirmed-" + counter;
      again.confirm_outside_policy = true;
      again.policy_reason = reason.slice(0, 500);
      socket.send(JSON.stringify(again));
      pendingFrame = null;
      outside.reset();
      outside.hidden = true;
    });
    outside.querySelector("[data-outside-cancel]").addEventListener("click", function () {
      pendingFrame = null;
      outside.reset();
      outside.hidden = true;
    });
  }
}());
