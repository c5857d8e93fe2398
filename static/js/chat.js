// Relais live chat: one websocket per page, vanilla JavaScript, no
// framework and no inline script (the CSP forbids it). Protocol:
// docs/protocol.md. The page carries everything the script needs in data
// attributes of #chat and its [data-texts] spans (translated server-side).
"use strict";
(function () {
  var root = document.getElementById("chat");
  if (!root || !window.WebSocket) { return; }
  var role = root.getAttribute("data-role");
  var isAgent = role === "agent";
  var currency = root.getAttribute("data-currency") || "EUR";
  var exponent = currency === "JPY" ? 0 : 2;
  var lang = root.getAttribute("data-lang") || "en";
  var disputed = root.getAttribute("data-disputed") === "true";
  var log = root.querySelector("[data-chat-log]");
  var statusEl = root.querySelector("[data-chat-status]");
  var typingEl = root.querySelector("[data-chat-typing]");
  var texts = {};
  root.querySelectorAll("[data-texts] [data-t]").forEach(function (el) { texts[el.getAttribute("data-t")] = el.textContent; });
  function t(k, def) { return texts[k] || def || k; }

  var ws = null, lastSeq = 0, backoff = 500, counter = 0;
  var pending = {};      // client id → frame, resent after a reconnect until acked
  var offers = {};       // offer id → card element
  var seen = {};         // seq → true

  function newID() { counter += 1; return Date.now().toString(36) + "-" + counter + "-" + Math.random().toString(36).slice(2, 8); }
  function money(v) {
    var s = (v / Math.pow(10, exponent)).toFixed(exponent);
    try { return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(v / Math.pow(10, exponent)); } catch (e) { return s + " " + currency; }
  }
  function parseAmount(s) {
    s = (s || "").replace(/[\s\u00a0']/g, "");
    if (!s) { return 0; }
    var m = s.match(/^(\d+)(?:[.,](\d{1,2}))?$/);
    if (!m) { return NaN; }
    var frac = (m[2] || "").padEnd(exponent, "0");
    return parseInt(m[1] + frac, 10);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }  // textContent: user text is never HTML
    return e;
  }
  function setStatus(s) { if (statusEl) { statusEl.textContent = s; } }

  function describe(o) {
    if (!o) { return ""; }
    switch (o.kind) {
      case "plan":
        var s = o.count + " × " + money(o.amount) + " (" + t(o.frequency, o.frequency) + ", " + t(o.method, o.method) + "), " + o.first_date;
        if (o.down_payment) { s = money(o.down_payment) + " + " + s; }
        return t("kind.plan") + ": " + s;
      case "settlement": return t("kind.settlement") + ": " + money(o.amount) + (o.date ? ", " + o.date : "");
      case "promise": return t("kind.promise") + ": " + o.date;
      case "callback": return t("kind.callback") + (o.phone ? ": " + o.phone : "");
    }
    return o.kind;
  }

  function send(frame) {
    frame.id = frame.id || newID();
    if (frame.type !== "typing") { pending[frame.id] = frame; }
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); }
    return frame.id;
  }

  function mine(m) { return isAgent ? m.author.kind === "user" : m.author.kind === "debtor"; }

  function offerCard(m, li) {
    var card = el("div", "offer-card");
    card.appendChild(el("p", "offer-terms", describe(m.offer)));
    var state = el("p", "offer-state");
    card.appendChild(state);
    var v = m.verdict;
    if (v && !v.accepted && m.kind === "offer") {
      state.textContent = t("waiting");
      if (v.nearest && !isAgent) {
        var near = el("p", "offer-nearest", t("nearest") + " " + describe(v.nearest));
        var use = el("button", "button small", t("use_nearest"));
        use.type = "button";
        use.addEventListener("click", function () { send({ type: "offer", offer: v.nearest }); });
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
      acc.addEventListener("click", function () { send({ type: "accept", offer_id: m.offer_id }); });
      ref.addEventListener("click", function () {
        var reason = isAgent ? window.prompt("Reason for refusing (shown to the debtor)") : "";
        if (reason === null) { return; }
        send({ type: "refuse", offer_id: m.offer_id, reason: reason || "" });
      });
      actions.appendChild(acc);
      actions.appendChild(ref);
      card.appendChild(actions);
    }
    offers[m.offer_id] = card;
    li.appendChild(card);
  }

  function signCard(agreementID, li) {
    if (isAgent) { return; }
    var form = el("form", "sign-card");
    form.appendChild(el("p", "sign-title", t("sign_title")));
    var box = null;
    if (!disputed) {
      var label = el("label", "inline");
      box = document.createElement("input");
      box.type = "checkbox";
      box.required = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + t("acknowledge")));
      form.appendChild(label);
    }
    var b = el("button", "button", t("sign"));
    b.type = "submit";
    form.appendChild(b);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send({ type: "sign", agreement_id: agreementID, acknowledge: !!(box && box.checked) });
    });
    li.appendChild(form);
  }

  function render(m) {
    if (seen[m.seq]) { return; }
    seen[m.seq] = true;
    lastSeq = Math.max(lastSeq, m.seq);
    var li = el("li", "msg msg-" + m.kind + (mine(m) ? " mine" : ""));
    var who = m.author.kind === "system" ? t("relais", "Relais") : (mine(m) && !isAgent ? t("you", "You") : (m.author.name || m.author.kind));
    li.appendChild(el("span", "who", who));
    if (m.kind === "offer" || m.kind === "counter_offer") {
      if (m.text) { li.appendChild(el("p", "text", m.text)); }
      offerCard(m, li);
    } else if (m.kind === "accept" || m.kind === "refuse") {
      var card = offers[m.offer_id];
      if (card) {
        card.querySelectorAll(".offer-actions, .offer-nearest").forEach(function (x) { x.remove(); });
        var st = card.querySelector(".offer-state");
        if (st) { st.textContent = m.kind === "accept" ? t("accepted", "Accepted") : t("refused", "Refused"); }
      }
      li.appendChild(el("p", "text", (m.kind === "accept" ? t("accepted", "Accepted") : t("refused", "Refused")) + (m.text ? ": " + m.text : "")));
      if (m.kind === "accept" && m.agreement_id) { signCard(m.agreement_id, li); }
    } else if (m.kind === "system" && m.text === "agreement.signed") {
      li.appendChild(el("p", "text", t("signed", "Agreement signed.")));
    } else if (m.kind === "system" && (m.text || "").indexOf("payment.received|") === 0) {
      // "payment.received|<minor units>|<currency>|<exponent>", formatted in
      // the reader's language (debtor and agent may differ).
      // The claim's currency is this page's currency (money()).
      li.className += " msg-payment";
      li.appendChild(el("p", "text", t("paid", "Payment received") + ": " + money(Number(m.text.split("|")[1]))));
    } else {
      li.appendChild(el("p", "text", m.text || ""));
    }
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function presence(online, answerBy) {
    if (isAgent) { setStatus("Connected."); return; }
    if (online) { setStatus(t("online")); return; }
    if (answerBy) {
      var d = new Date(answerBy);
      setStatus(t("offline") + " " + d.toLocaleString(lang, { weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit" }));
    } else {
      setStatus(t("offline_soon"));
    }
  }

  var typingTimer = null;
  function onFrame(f) {
    switch (f.type) {
      case "welcome": presence(f.agents_online, f.answer_by); break;
      case "presence": presence(f.agents_online, null); break;
      case "message": render(f.msg); break;
      case "ack": delete pending[f.id]; break;
      case "typing":
        if (!typingEl) { break; }
        typingEl.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingEl.hidden = true; }, 4000);
        break;
      case "signed":
        delete pending[f.id];
        setStatus(t("signed", "Agreement signed."));
        root.querySelectorAll(".sign-card").forEach(function (x) { x.remove(); });
        if (f.agreement && !isAgent) {
          var a = el("a", "button", "PDF");
          a.href = "/p/agreements/" + f.agreement.id + "/pdf";
          var li2 = el("li", "msg msg-system");
          li2.appendChild(a);
          log.appendChild(li2);
        }
        break;
      case "error":
        delete pending[f.id];  // refused frames are not retried
        var li = el("li", "msg msg-error", f.message);
        li.setAttribute("role", "alert");
        log.appendChild(li);
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
      if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); send({ type: "typing" }); }
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = form.text.value.trim();
      if (!text) { return; }
      var note = form.note && form.note.checked;
      send({ type: note ? "note" : "text", text: text });
      form.text.value = "";
    });
  }

  var offerForm = root.querySelector("[data-chat-offer]");
  if (offerForm) {
    var showFields = function () {
      var kind = offerForm.kind.value;
      offerForm.querySelectorAll("label[data-for]").forEach(function (l) {
        l.hidden = l.getAttribute("data-for").split(" ").indexOf(kind) < 0;
      });
    };
    offerForm.kind.addEventListener("change", showFields);
    showFields();
    offerForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = offerForm, kind = f.kind.value, o = { kind: kind };
      if (kind === "plan") {
        o.count = parseInt(f.count.value, 10);
        o.amount = parseAmount(f.amount.value);
        var down = parseAmount(f.down_payment.value);
        if (down) { o.down_payment = down; }
        o.first_date = f.first_date.value;
        o.frequency = f.frequency.value;
        o.method = f.method.value;
      } else if (kind === "settlement") {
        o.amount = parseAmount(f.amount.value);
        if (f.date.value) { o.date = f.date.value; }
      } else if (kind === "promise") {
        o.date = f.date.value;
      } else if (kind === "callback") {
        if (f.date.value) { o.date = f.date.value; }
        if (f.phone && f.phone.value) { o.phone = f.phone.value; }
      }
      send({ type: offerForm.getAttribute("data-type") || "offer", offer: o });
    });
  }

  var transfer = root.querySelector("[data-chat-transfer]");
  if (transfer) {
    transfer.addEventListener("submit", function (ev) {
      ev.preventDefault();
      send({ type: "transfer", to_user_id: transfer.to_user_id.value.trim() });
    });
  }

  connect();
}());
