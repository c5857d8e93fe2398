// The optional sound (issue 21): beside the notification control on the
// agent's conversation page and on the queue page, a "Sound" toggle (off
// by default, the choice kept per browser in localStorage). When it is
// on, each "relais:sound" event the page's scripts raise on the document
// (console-notify.js: the debtor wrote while the page is in the
// background; console-queue.js: an unread count rose or a new
// conversation waits) plays a short tone made with the Web Audio API (an
// oscillator: no audio file, nothing fetched). Browsers start audio only
// after a gesture on the page: the toggle's click creates or resumes the
// audio context, and after a reload the page's first click or key does.
// Each tone played adds one to the toggle's data-sound-played.
(function () {
  "use strict";
  var box = document.querySelector("[data-sound-box]");
  var Audio = window.AudioContext || window.webkitAudioContext;
  if (!box || !Audio) { return; }
  var button = box.querySelector("[data-sound]");
  var says = box.querySelector("[data-sound-state]");
  var key = "relais.console.sound";
  var on = false;
  try { on = window.localStorage.getItem(key) === "on"; } catch (e) { on = false; }
  var ctx = null;
  var audio = function () {
    if (!ctx) { ctx = new Audio(); }
    if (ctx.state === "suspended" && ctx.resume) {
      var r = ctx.resume();
      if (r && r.catch) { r.catch(function () {}); }
    }
    return ctx;
  };
  var show = function () {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    says.textContent = says.getAttribute(on ? "data-text-on" : "data-text-off");
  };
  button.addEventListener("click", function () {
    on = !on;
    try { window.localStorage.setItem(key, on ? "on" : "off"); } catch (e) { /* kept for this page only */ }
    if (on) { audio(); }
    show();
  });
  var wake = function () {
    if (!on) { return; }
    audio();
    document.removeEventListener("pointerdown", wake, true);
    document.removeEventListener("keydown", wake, true);
  };
  document.addEventListener("pointerdown", wake, true);
  document.addEventListener("keydown", wake, true);

  var play = function () {
    if (!on || !ctx) { return; }
    audio();
    if (ctx.state !== "running") { return; } // no gesture yet: no tone
    var t = ctx.currentTime;
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.setValueAtTime(880, t);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.32);
    button.setAttribute("data-sound-played", String((parseInt(button.getAttribute("data-sound-played"), 10) || 0) + 1));
  };
  document.addEventListener("relais:sound", play);
  show();
  box.hidden = false;
}());
