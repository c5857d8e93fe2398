// Relais page helpers. Pages work without JavaScript; this only adds
// conveniences. The live chat has its own file (static/js/chat.js), which
// loads this one on the claim page: the pages carry one script only.
//
// Copy buttons: every element with data-copy-value inside a .transfer
// block (the IBAN, the payment reference) gets a "Copy" button that puts
// the value, as a bank's app wants it (no spaces), on the clipboard.
// Without JavaScript the values are plain text the debtor can select.
//
// Payment return page: while the payment waits for the provider's
// confirmation (#pay-status data-status="pending"), the page asks the
// server again every 5 seconds, for 5 minutes, and shows the answer in
// place (an aria-live region) once it changed. Without JavaScript the
// "Refresh" button does the same.
"use strict";
(function () {
  if (window.relaisHelpers) { return; }
  window.relaisHelpers = true;

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }
  // legacyCopy copies through a selected, off-screen text field (plain
  // http pages, older browsers).
  function legacyCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "visually-hidden";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }
  function selectNode(el) {
    var r = document.createRange();
    r.selectNodeContents(el);
    var s = window.getSelection();
    s.removeAllRanges();
    s.addRange(r);
  }

  document.querySelectorAll(".transfer").forEach(function (block) {
    var label = block.getAttribute("data-copy-text") || "Copy";
    var done = block.getAttribute("data-copied-text") || "Copied";
    var failed = block.getAttribute("data-copy-failed-text") || "";
    block.querySelectorAll("[data-copy-value]").forEach(function (value) {
      var name = value.id.replace(/^pay-/, "");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "button small copy";
      b.setAttribute("data-copy", name);
      b.textContent = label;
      var labelEl = value.id && document.getElementById(value.id + "-label");
      if (labelEl) {
        b.setAttribute("aria-label", label + " : " + labelEl.textContent);
      }
      var status = document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("data-copy-status", "");
      status.setAttribute("role", "status");
      b.addEventListener("click", function () {
        copyText(value.getAttribute("data-copy-value") || value.textContent).then(function (ok) {
          if (!ok) { selectNode(value); }
          status.textContent = ok ? done : failed;
          setTimeout(function () { status.textContent = ""; }, 4000);
        });
      });
      var holder = value.parentNode;
      holder.appendChild(document.createTextNode(" "));
      holder.appendChild(b);
      holder.appendChild(status);
    });
  });
}());
(function () {
  var status = document.getElementById("pay-status");
  var hint = document.querySelector("[data-poll]");
  if (!status || status.getAttribute("data-status") !== "pending" || !window.fetch || !window.DOMParser) { return; }
  if (hint) { hint.hidden = false; }
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(location.href, { cache: "no-store", credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : "";
    }).then(function (html) {
      var doc = html ? new DOMParser().parseFromString(html, "text/html") : null;
      var fresh = doc && doc.getElementById("pay-result");
      var st = fresh && fresh.querySelector("#pay-status");
      if (st && st.getAttribute("data-status") !== "pending") {
        document.getElementById("pay-result").replaceChildren.apply(document.getElementById("pay-result"),
          Array.prototype.map.call(fresh.childNodes, function (n) { return document.importNode(n, true); }));
        return;
      }
      if (tries < 60) { setTimeout(poll, 5000); } else if (hint) { hint.hidden = true; }
    }, function () {
      if (tries < 60) { setTimeout(poll, 5000); }
    });
  }
  setTimeout(poll, 5000);
}());
