// Relais live chat: one websocket per page, vanilla JavaScript, no
// framework and no inline script (the CSP forbids it). Protocol:
// docs/protocol.md. The page carries everything the script needs in data
// attributes of #chat and its [data-texts] spans (translated server-side).
//
// On the debtor's page the script also loads static/js/relais.js (copy
// buttons of the transfer details): the page itself carries this one
// script only.
"use strict";
(function () {
  if (document.querySelector("[data-copy-value]") && !window.relaisHelpers) {
    var s = document.createElement("script");
    s.src = "/static/js/relais.js";
    document.head.appendChild(s);
  }
}());
(function () {
  var root = document.getElementById("chat");
  if (!root || !window.WebSocket) { return; }
  var role = root.getAttribute("data-role");
  var isAgent = role === "agent";
  var currency = root.getAttribute("data-currency") || "EUR";
  var exponent = currency === "JPY" ? 0 : 2;
  var lang = root.getAttribute("data-lang") || "en";
  var disputed = root.getAttribute("data-disputed") === "true";
  // What the debtor owes today, in minor units (debtor page only): the
  // offer form computes the instalments from it.
  var balance = parseInt(root.getAttribute("data-balance"), 10) || 0;
  var zone = root.getAttribute("data-tz") || undefined;
  var months = (root.getAttribute("data-months") || "").split("|");
  // The ways to pay a plan the debtor may choose when signing it.
  var payMethods = (root.getAttribute("data-pay-methods") || "").split(" ").filter(function (m) { return m; });
  var log = root.querySelector("[data-chat-log]");
  var statusEl = root.querySelector("[data-chat-status]");
  var typingEl = root.querySelector("[data-chat-typing]");
  var texts = {};
  root.querySelectorAll("[data-texts] [data-t]").forEach(function (el) { texts[el.getAttribute("data-t")] = el.textContent; });
  function t(k, def) { return texts[k] || def || k; }
  // fill replaces {name} in a text with vars[name].
  function fill(s, vars) {
    return String(s).replace(/\{(\w+)\}/g, function (all, k) { return vars[k] !== undefined ? String(vars[k]) : all; });
  }

  var ws = null, lastSeq = 0, backoff = 500, counter = 0;
  var pending = {};      // client id → frame, resent after a reconnect until acked
  var offers = {};       // offer id → card element
  var offerTerms = {};   // offer id → {offer, balance}
  var seen = {};         // seq → true
  var sendingEls = {};   // client id → the "sending" line of a text not stored yet

  function newID() { counter += 1; return Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 8); }

  // money writes minor units the way the server's pages do (portal/i18n):
  // fr "1 234,56 €", nl "€ 1.234,56", en "€1,234.56", de "1.234,56 €".
  var styles = { fr: ["\u00a0", ","], nl: [".", ","], en: [",", "."], de: [".", ","] };
  var symbols = { EUR: "€", GBP: "£", USD: "$" };
  function money(v) {
    v = Math.round(Number(v) || 0);
    var neg = v < 0, digits = String(Math.abs(v));
    while (digits.length <= exponent) { digits = "0" + digits; }
    var st = styles[lang] || styles.fr;
    var whole = exponent ? digits.slice(0, digits.length - exponent) : digits;
    var n = whole.replace(/\B(?=(\d{3})+(?!\d))/g, st[0]) + (exponent ? st[1] + digits.slice(digits.length - exponent) : "");
    // The console writes amounts as its pages do (i18n.Amount): "1.234,56
    // EUR", a real minus, never a signed zero.
    if (isAgent) { return (neg ? "\u2212" : "") + n + " " + currency; }
    var sym = symbols[currency], sign = neg ? "-" : "";
    if (lang === "nl") { return (sym || currency) + "\u00a0" + sign + n; }
    if (lang === "en") { return sym ? sign + sym + n : sign + currency + "\u00a0" + n; }
    return sign + n + "\u00a0" + (sym || currency);
  }
  // date writes a YYYY-MM-DD day in words, as the server's pages do:
  // fr "1er mars 2026", nl "1 maart 2026", en "1 March 2026", de "1. März 2026".
  function date(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) { return iso || ""; }
    var y = +m[1], mo = +m[2], d = +m[3];
    if (months.length !== 12) {
      try { return new Intl.DateTimeFormat(lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" }).format(Date.UTC(y, mo - 1, d)); } catch (e) { return iso; }
    }
    var day = String(d);
    if (lang === "de") { day += "."; }
    if (lang === "fr" && d === 1) { day = "1er"; }
    return day + "\u00a0" + months[mo - 1] + " " + y;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function iso(y, m, d) { return y + "-" + pad(m) + "-" + pad(d); }
  // addPeriods is dueDate of negotiation/offer.go: i weeks or i months
  // after first, a month's day clamped to its end.
  function addPeriods(first, frequency, i) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(first || "");
    if (!m) { return ""; }
    var y = +m[1], mo = +m[2], d = +m[3];
    if (frequency === "weekly") {
      var dt = new Date(Date.UTC(y, mo - 1, d + 7 * i));
      return iso(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
    }
    var f = new Date(Date.UTC(y, mo - 1 + i, 1));
    var last = new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + 1, 0)).getUTCDate();
    return iso(f.getUTCFullYear(), f.getUTCMonth() + 1, Math.min(d, last));
  }
  // schedule is ScheduleFor of negotiation/schedule.go: the down payment,
  // then count instalments of amount, the last taking the remainder.
  function schedule(o, bal) {
    var out = [], first = o.first_date, down = o.down_payment || 0;
    if (down > 0) {
      out.push({ seq: 0, due_on: first, amount: down });
      first = addPeriods(first, o.frequency, 1);
    }
    for (var i = 0; i < o.count; i++) {
      var amt = o.amount;
      if (i === o.count - 1 && bal > 0) {
        var last = bal - down - (o.count - 1) * o.amount;
        if (last < amt) { amt = last; }
      }
      out.push({ seq: i + 1, due_on: addPeriods(first, o.frequency, i), amount: amt });
    }
    return out;
  }
  function parseAmount(s) {
    s = (s || "").replace(/[\s\u00a0\u202f']/g, "");
    if (!s) { return 0; }
    // "1.234,56" and "1,234.56": the last separator is the decimal one.
    var m = s.match(/^(\d{1,3}(?:([.,])\d{3})*|\d+)(?:([.,])(\d{1,2}))?$/);
    if (!m || (m[2] && m[3] === m[2])) { return NaN; }
    var whole = m[1].replace(/[.,]/g, "");
    var frac = (m[4] || "").padEnd(exponent, "0");
    return parseInt(whole + frac, 10);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }  // textContent: user text is never HTML
    return e;
  }
  function setStatus(s) { if (statusEl) { statusEl.textContent = s; } }

  // describe says an offer in words: "Instalment plan: 12 monthly
  // instalments of €159.29 by bank transfer, from 5 June 2026, the last
  // €159.19". bal (the balance the offer was judged on) gives the last.
  function describe(o, bal) {
    if (!o) { return ""; }
    switch (o.kind) {
      case "plan":
        var sch = schedule(o, bal || 0), lastAmt = sch.length ? sch[sch.length - 1].amount : o.amount;
        var s = fill(t("describe.plan." + o.frequency, "{count} × {amount}, {method}, {date}"),
          { count: o.count, amount: money(o.amount), method: t(o.method, o.method), date: date(o.first_date) });
        if (o.down_payment) { s = fill(t("describe.down", "{amount} + "), { amount: money(o.down_payment) }) + s; }
        if (bal > 0 && o.count > 1 && lastAmt !== o.amount && lastAmt > 0) { s += fill(t("describe.last", ", last {amount}"), { amount: money(lastAmt) }); }
        return t("kind.plan") + sep() + s;
      case "settlement":
        return t("kind.settlement") + sep() + money(o.amount) + (o.date ? fill(t("describe.by", ", {date}"), { date: date(o.date) }) : "");
      case "promise": return t("kind.promise") + sep() + date(o.date);
      case "callback": return t("kind.callback") + (o.phone ? sep() + o.phone : "") + (o.date ? fill(t("describe.by", ", {date}"), { date: date(o.date) }) : "");
    }
    return o.kind;
  }
  function sep() { return lang === "fr" ? "\u00a0: " : ": "; }

  // why says in words why the policy did not accept an offer at once.
  function why(v) {
    return (v.breaches || []).map(function (b) {
      var limit = Number(b.limit) || 0, got = Number(b.got) || 0;
      var vars = { limit: limit, got: got };
      switch (b.bound) {
        case "min_instalment": case "min_down_payment": case "max_discount":
          vars = { limit: money(limit), got: money(got) };
          break;
        case "covers_balance":
          vars = { limit: money(limit), got: money(got), short: money(limit - got) };
          break;
      }
      return fill(t("why." + b.bound, ""), vars);
    }).filter(function (s) { return s; }).join(" ");
  }

  function send(frame) {
    frame.id = frame.id || newID();
    if (frame.type !== "typing") { pending[frame.id] = frame; }
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); }
    return frame.id;
  }

  function mine(m) { return isAgent ? m.author.kind === "user" : m.author.kind === "debtor"; }

  // closeCard takes an offer's buttons away and says what became of it.
  function closeCard(card, state) {
    card.querySelectorAll(".offer-actions, .offer-nearest, .refuse-reason").forEach(function (x) { x.remove(); });
    card.classList.add("closed");
    var st = card.querySelector(".offer-state");
    if (st) { st.textContent = state; }
  }

  // dropSignCards removes the signing cards shown so far: a newer offer or
  // agreement, or a signed one, makes them stale.
  function dropSignCards() { root.querySelectorAll(".sign-card").forEach(function (x) { x.remove(); }); }

  function offerCard(m, li) {
    // A new offer, from either side, replaces every offer still open: the
    // store marks them superseded or countered.
    Object.keys(offers).forEach(function (id) {
      if (!offers[id].classList.contains("closed")) { closeCard(offers[id], t("replaced", "Replaced by a newer offer")); }
    });
    dropSignCards();
    var v = m.verdict;
    var bal = v && v.balance ? Number(v.balance) : balance;
    offerTerms[m.offer_id] = { offer: m.offer, balance: bal };
    var card = el("div", "offer-card");
    card.appendChild(el("p", "offer-terms", describe(m.offer, bal)));
    var state = el("p", "offer-state");
    card.appendChild(state);
    if (v && !v.accepted && m.kind === "offer") {
      state.textContent = t("waiting");
      if (!isAgent && v.breaches && v.breaches.length) {
        var w = why(v);
        if (w) { card.appendChild(el("p", "offer-why", w)); }
      }
      if (v.nearest && !isAgent) {
        var near = el("p", "offer-nearest", t("nearest") + " " + describe(v.nearest, bal));
        var use = el("button", "button small", t("use_nearest"));
        use.type = "button";
        use.addEventListener("click", function () {
          use.disabled = true;
          send({ type: "offer", offer: v.nearest });
        });
        near.appendChild(document.createTextNode(" "));
        near.appendChild(use);
        card.appendChild(near);
      }
      if (isAgent && v.breaches) {
        card.appendChild(el("p", "offer-breaches", v.breaches.map(function (b) { return b.bound + " (" + b.got + " / " + b.limit + ")"; }).join(", ")));
      }
    }
    if (!mine(m)) {
      var actions = el("p", "offer-actions");
      var acc = el("button", "button small", t("accept", "Accept"));
      var ref = el("button", "button small secondary", t("refuse", "Refuse"));
      acc.type = ref.type = "button";
      acc.addEventListener("click", function () {
        acc.disabled = ref.disabled = true;
        send({ type: "accept", offer_id: m.offer_id });
      });
      ref.addEventListener("click", function () {
        if (isAgent) {
          var reason = window.prompt(t("refuse_prompt", "Reason for refusing (shown to the debtor)"));
          if (reason === null) { return; }
          send({ type: "refuse", offer_id: m.offer_id, reason: reason || "" });
          return;
        }
        refuseForm(card, m.offer_id);
      });
      actions.appendChild(acc);
      actions.appendChild(ref);
      card.appendChild(actions);
    }
    offers[m.offer_id] = card;
    li.appendChild(card);
  }

  // refuseForm asks the debtor why, optionally, before refusing an offer.
  function refuseForm(card, offerID) {
    if (card.querySelector(".refuse-reason")) { return; }
    var form = el("form", "refuse-reason");
    var label = el("label", "", t("refuse_reason", "Why? (optional)"));
    var box = document.createElement("textarea");
    box.name = "reason";
    box.rows = 2;
    box.maxLength = 500;
    label.appendChild(box);
    form.appendChild(label);
    var ok = el("button", "button small", t("refuse", "Refuse"));
    ok.type = "submit";
    var cancel = el("button", "button small secondary", t("cancel", "Cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", function () { form.remove(); });
    form.appendChild(ok);
    form.appendChild(document.createTextNode(" "));
    form.appendChild(cancel);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      ok.disabled = true;
      send({ type: "refuse", offer_id: offerID, reason: box.value.trim() });
    });
    card.appendChild(form);
    box.focus();
  }

  // scheduleList shows every payment of an accepted offer with its date,
  // as the agreement will list them.
  function scheduleList(terms) {
    var o = terms && terms.offer;
    if (!o) { return null; }
    var sch;
    if (o.kind === "plan") { sch = schedule(o, terms.balance); } else if (o.kind === "settlement") { sch = [{ seq: 1, due_on: o.date, amount: o.amount }]; } else if (o.kind === "promise") { sch = [{ seq: 1, due_on: o.date, amount: terms.balance }]; } else { return null; }
    var box = el("div", "sign-schedule");
    var ol = el("ol", "schedule");
    var total = 0;
    sch.forEach(function (p) {
      total += p.amount;
      var text = (p.seq === 0 ? t("down_payment", "Down payment") + sep() : "") + (p.due_on ? date(p.due_on) + " — " : "") + money(p.amount);
      ol.appendChild(el("li", "", text));
    });
    box.appendChild(ol);
    box.appendChild(el("p", "sign-total", fill(t("sign_total", "Total: {amount}"), { amount: money(total) })));
    return box;
  }

  function signCard(agreementID, li, terms) {
    if (isAgent) { return; }
    dropSignCards();
    var form = el("form", "sign-card");
    form.setAttribute("data-agreement", agreementID);
    form.appendChild(el("p", "sign-title", t("sign_title")));
    var list = scheduleList(terms);
    if (list) { form.appendChild(list); }
    var box = null;
    if (!disputed) {
      form.appendChild(el("p", "sign-explain", t("acknowledge_explain", "")));
      var label = el("label", "inline");
      box = document.createElement("input");
      box.type = "checkbox";
      box.required = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + t("acknowledge")));
      form.appendChild(label);
    }
    var pick = payPicker(agreementID, terms);
    if (pick) { form.appendChild(pick); }
    var b = el("button", "button", t("sign"));
    b.type = "submit";
    form.appendChild(b);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      b.disabled = true;
      var frame = { type: "sign", agreement_id: agreementID, acknowledge: !!(box && box.checked) };
      var chosen = form.querySelector('input[name="pay-method"]:checked');
      if (chosen) { frame.method = chosen.value; }
      send(frame);
    });
    li.appendChild(form);
  }

  // payPicker lets the debtor choose how a plan is paid, among the ways
  // the creditor allows (SEPA Direct Debit, Bancontact, card, transfer);
  // the offer's own method is ticked when it is one of them.
  function payPicker(agreementID, terms) {
    var o = terms && terms.offer;
    if (!o || o.kind !== "plan" || payMethods.length === 0) { return null; }
    var fs = document.createElement("fieldset");
    fs.className = "pay-methods";
    fs.appendChild(el("legend", "", t("pay_how")));
    var want = payMethods.indexOf(o.method) >= 0 ? o.method : payMethods[0];
    payMethods.forEach(function (m) {
      var label = el("label", "inline");
      var r = document.createElement("input");
      r.type = "radio";
      r.name = "pay-method";
      r.value = m;
      r.id = "pay-" + m + "-" + agreementID;
      r.checked = m === want;
      label.appendChild(r);
      label.appendChild(document.createTextNode(" " + t("pay." + m, m)));
      fs.appendChild(label);
    });
    return fs;
  }

  // showMandate reveals the form that takes the debtor to Stripe to give
  // the SEPA Direct Debit mandate of the plan just signed.
  function showMandate(via) {
    var f = root.querySelector("[data-mandate-form]");
    if (isAgent || !f) { return; }
    f.querySelector('input[name="via"]').value = via === "bancontact" ? "bancontact" : "sepa_debit";
    f.hidden = false;
  }

  // agreementLink shows the download link of a signed agreement, once.
  function agreementLink(id) {
    if (isAgent || !id) { return; }
    dropSignCards();
    var href = "/p/agreements/" + id + "/pdf";
    if (root.querySelector('a[href="' + href + '"]')) { return; }
    var a = el("a", "button", t("download", "PDF"));
    a.href = href;
    var li = el("li", "msg msg-system");
    li.appendChild(a);
    log.appendChild(li);
  }

  function render(m) {
    if (seen[m.seq]) { return; }
    seen[m.seq] = true;
    lastSeq = Math.max(lastSeq, m.seq);
    if (m.client_id && sendingEls[m.client_id]) {
      sendingEls[m.client_id].remove();
      delete sendingEls[m.client_id];
    }
    var li = el("li", "msg msg-" + m.kind + (mine(m) ? " mine" : ""));
    li.setAttribute("data-seq", m.seq); // console-notify.js counts what is new
    var who = m.author.kind === "system" ? t("relais", "Relais") : (mine(m) && !isAgent ? t("you", "You") : (m.author.name || m.author.kind));
    // A name keeps its own direction too, isolated from the line around it.
    var whoEl = el("span", "who", who);
    whoEl.dir = "auto";
    li.appendChild(whoEl);
    // Notes reach agents only; say so plainly beside them.
    if (m.kind === "note") { li.appendChild(el("span", "note-label", t("internal_note", "Internal note, not seen by the debtor"))); }
    if (m.kind === "offer" || m.kind === "counter_offer") {
      if (m.text) { li.appendChild(el("p", "text", m.text)); }
      offerCard(m, li);
    } else if (m.kind === "accept" || m.kind === "refuse") {
      var card = offers[m.offer_id];
      if (card) { closeCard(card, m.kind === "accept" ? t("accepted", "Accepted") : t("refused", "Refused")); }
      li.appendChild(el("p", "text", (m.kind === "accept" ? t("accepted", "Accepted") : t("refused", "Refused")) + (m.text ? sep() + m.text : "")));
      if (m.kind === "accept" && m.author.kind === "system" && !isAgent) { setStatus(t("auto_accepted", t("accepted", "Accepted"))); }
      if (m.kind === "accept" && m.agreement_id) { signCard(m.agreement_id, li, offerTerms[m.offer_id]); }
    } else if (m.kind === "system" && m.text === "agreement.signed") {
      li.appendChild(el("p", "text", t("signed", "Agreement signed.")));
    } else if (m.kind === "system" && (m.text || "").indexOf("payment.received|") === 0) {
      // "payment.received|<minor units>|<currency>|<exponent>", formatted in
      // the reader's language (debtor and agent may differ).
      // The claim's currency is this page's currency (money()).
      li.className += " msg-payment";
      li.appendChild(el("p", "text", t("paid", "Payment received") + sep() + money(Number(m.text.split("|")[1]))));
    } else if (m.kind === "system" && /^promise\.(expected|kept|partly_kept|broken)\|/.test(m.text || "")) {
      // The promise card: "promise.<status>|<minor units>|<currency>|
      // <exponent>|<due on>|<paid>" (docs/protocol.md), in the reader's
      // language.
      var pr = m.text.split("|"), st = pr[0].slice("promise.".length);
      li.className += " msg-promise promise-" + st;
      li.appendChild(el("p", "text", t("promise." + st, pr[0]).replace("{amount}", money(Number(pr[1]))).replace("{date}", date(pr[4])).replace("{paid}", money(Number(pr[5])))));
    } else if (m.kind === "system" && (m.text || "").indexOf("plan.hardship|") === 0) {
      // A request for a new plan after a hardship: "plan.hardship|<kind>|
      // <reason as the debtor typed it>" (docs/protocol.md).
      var hr = m.text.slice("plan.hardship|".length), hi = hr.indexOf("|");
      li.className += " msg-hardship";
      li.appendChild(el("p", "text", t("hardship." + (hi < 0 ? hr : hr.slice(0, hi)), t("hardship.other", "Hardship"))));
      if (hi >= 0) { li.appendChild(el("p", "text", hr.slice(hi + 1))); }
    } else {
      li.appendChild(el("p", "text", m.text || ""));
    }
    // Text a person wrote keeps its own direction (Arabic, Hebrew...).
    li.querySelectorAll(".text").forEach(function (p) { p.dir = "auto"; });
    log.appendChild(li);
    if (m.kind === "system" && m.text === "agreement.signed") { agreementLink(m.agreement_id); }
    // Only the conversation scrolls, never the page: the debtor opens the
    // page at the total, whatever the conversation holds.
    log.scrollTop = log.scrollHeight;
  }

  function presence(online, answerBy) {
    if (isAgent) { setStatus(t("connected", "Connected.")); return; }
    if (online) { setStatus(t("online")); return; }
    if (answerBy) {
      var d = new Date(answerBy), when;
      try {
        when = d.toLocaleString(lang, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", timeZone: zone });
      } catch (e) {
        when = d.toLocaleString(lang, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" });
      }
      setStatus(t("offline") + " " + when);
    } else {
      setStatus(t("offline_soon"));
    }
  }

  var offerBusy = null;  // the client id of the offer being sent
  function offerDone(id) {
    if (offerBusy && offerBusy === id) {
      offerBusy = null;
      var b = offerForm && offerForm.querySelector("button[type=submit]");
      if (b) { b.disabled = false; }
    }
  }

  var typingTimer = null;
  function onFrame(f) {
    switch (f.type) {
      case "welcome": presence(f.agents_online, f.answer_by); break;
      case "presence": presence(f.agents_online, null); break;
      case "message": render(f.msg); break;
      case "ack":
        delete pending[f.id];
        offerDone(f.id);
        break;
      case "typing":
        if (!typingEl) { break; }
        typingEl.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingEl.hidden = true; }, 4000);
        break;
      case "signed":
        delete pending[f.id];
        setStatus(t("signed", "Agreement signed."));
        if (f.agreement) { agreementLink(f.agreement.id); }
        if (f.agreement && f.agreement.schedule && f.agreement.schedule.method === "sepa_debit") { showMandate(f.agreement.schedule.mandate_via); }
        break;
      case "error":
        delete pending[f.id];  // refused frames are not retried
        offerDone(f.id);
        if (sendingEls[f.id]) { sendingEls[f.id].remove(); delete sendingEls[f.id]; }
        root.querySelectorAll(".sign-card button[type=submit], .offer-actions button, .refuse-reason button[type=submit], .offer-nearest button").forEach(function (b) { b.disabled = false; });
        var li = el("li", "msg msg-error", f.message);
        li.setAttribute("role", "alert");
        log.appendChild(li);
        log.scrollTop = log.scrollHeight;
        break;
    }
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + root.getAttribute("data-ws") + "?after=" + lastSeq);
    ws.onopen = function () {
      backoff = 500;
      Object.keys(pending).forEach(function (id) { ws.send(JSON.stringify(pending[id])); });  // same id: stored once
    };
    ws.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      onFrame(f);
    };
    ws.onclose = function () {
      setStatus(t("reconnecting", "Reconnecting…"));
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }

  var form = root.querySelector("[data-chat-form]");
  if (form) {
    var lastTyping = 0;
    form.text.addEventListener("input", function () {
      // An internal note is never announced to the debtor as "typing".
      if (form.note && form.note.checked) { return; }
      if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); send({ type: "typing" }); }
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = form.text.value.trim();
      if (!text) { return; }
      var note = form.note && form.note.checked;
      var id = send({ type: note ? "note" : "text", text: text });
      if (!isAgent) {
        // Shown at once, marked "sending" until the server has stored it
        // (even while offline: it is resent on reconnect).
        var li = el("li", "msg msg-text mine sending");
        li.appendChild(el("span", "who", t("you", "You") + " · " + t("sending", "Sending…")));
        var pending = el("p", "text", text);
        pending.dir = "auto"; // as the stored message will be
        li.appendChild(pending);
        sendingEls[id] = li;
        log.appendChild(li);
        log.scrollTop = log.scrollHeight;
      }
      form.text.value = "";
      // The next message is for the debtor again unless the agent says so.
      if (form.note) { form.note.checked = false; }
    });
  }

  var offerForm = root.querySelector("[data-chat-offer]");
  if (offerForm) {
    var f = offerForm;
    var preview = f.querySelector("[data-offer-preview]");
    var computes = !isAgent && balance > 0;
    var showFields = function () {
      var kind = f.kind.value;
      f.querySelectorAll("[data-for]").forEach(function (l) {
        l.hidden = l.getAttribute("data-for").split(" ").indexOf(kind) < 0;
      });
      update();
    };
    // evenAmount spreads what is left after the down payment over count
    // instalments, rounded up: the last one takes the difference.
    var evenAmount = function (count, down) {
      var rest = balance - down;
      return count > 0 && rest > 0 ? Math.ceil(rest / count) : 0;
    };
    var planOf = function () {
      var count = parseInt(f.count.value, 10) || 0;
      var down = parseAmount(f.down_payment.value) || 0;
      var typed = parseAmount(f.amount.value);
      var amount = typed > 0 ? typed : (computes ? evenAmount(count, down) : typed);
      return { kind: "plan", count: count, amount: amount, down_payment: down, first_date: f.first_date.value, frequency: f.frequency.value, method: f.method.value };
    };
    var update = function () {
      if (!computes || !preview) { return; }
      if (f.kind.value !== "plan") { preview.textContent = ""; return; }
      var o = planOf();
      f.amount.placeholder = o.count > 0 && !(parseAmount(f.amount.value) > 0) ? money(evenAmount(o.count, o.down_payment)).replace(/[^\d.,\u00a0]/g, "").trim() : "";
      if (!(o.count > 0) || !(o.amount > 0)) { preview.textContent = ""; return; }
      var sch = schedule({ count: o.count, amount: o.amount, down_payment: o.down_payment, first_date: o.first_date || "", frequency: o.frequency }, balance);
      var total = 0;
      sch.forEach(function (p) { total += p.amount; });
      var last = sch[sch.length - 1].amount;
      var vars = { count: o.count, n: o.count - 1, amount: money(o.amount), last: money(last), total: money(total), down: money(o.down_payment) };
      var s = last === o.amount || o.count === 1 ? fill(t("preview.even"), vars) : fill(t("preview.last"), vars);
      if (o.down_payment > 0) { s = fill(t("preview.down"), vars) + " " + s; }
      if (o.first_date) {
        s += " " + fill(t("preview.dates"), { first: date(sch[0].due_on), last_date: date(sch[sch.length - 1].due_on) });
      }
      if (total < balance) { s += " " + fill(t("preview.short"), { short: money(balance - total), balance: money(balance) }); }
      preview.textContent = s;
    };
    if (computes) {
      f.count.addEventListener("input", function () { f.amount.value = ""; update(); });
      f.amount.addEventListener("input", function () {
        var a = parseAmount(f.amount.value), down = parseAmount(f.down_payment.value) || 0;
        if (a > 0 && balance - down > 0) { f.count.value = String(Math.max(1, Math.min(120, Math.ceil((balance - down) / a)))); }
        update();
      });
      ["down_payment", "first_date", "frequency", "method"].forEach(function (n) {
        f[n].addEventListener("input", update);
        f[n].addEventListener("change", update);
      });
    }
    f.kind.addEventListener("change", showFields);
    showFields();
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (offerBusy) { return; }  // a double tap sends one offer
      var kind = f.kind.value, o = { kind: kind };
      if (kind === "plan") {
        var p = planOf();
        o.count = p.count;
        o.amount = p.amount;
        if (p.down_payment) { o.down_payment = p.down_payment; }
        o.first_date = p.first_date;
        o.frequency = p.frequency;
        o.method = p.method;
      } else if (kind === "settlement") {
        o.amount = parseAmount(f.amount.value);
        if (f.date.value) { o.date = f.date.value; }
      } else if (kind === "promise") {
        o.date = f.date.value;
      } else if (kind === "callback") {
        if (f.date.value) { o.date = f.date.value; }
        if (f.phone && f.phone.value) { o.phone = f.phone.value; }
      }
      var id = send({ type: f.getAttribute("data-type") || "offer", offer: o });
      offerBusy = id;
      var b = f.querySelector("button[type=submit]");
      if (b) { b.disabled = true; }
      setTimeout(function () { offerDone(id); }, 15000);
    });
  }

  var transfer = root.querySelector("[data-chat-transfer]");
  if (transfer) {
    transfer.addEventListener("submit", function (ev) {
      ev.preventDefault();
      // The optional note tells the receiving agent why (agents only).
      send({ type: "transfer", to_user_id: transfer.to_user_id.value.trim(), text: transfer.text ? transfer.text.value.trim() : "" });
      if (transfer.text) { transfer.text.value = ""; }
    });
  }

  connect();
}());
