// Countdown for timed attempts. The server enforces the limit; this only shows it.
(function () {
  "use strict";
  var timer = document.querySelector(".timer[data-seconds-left]");
  if (!timer) return;
  var left = parseInt(timer.getAttribute("data-seconds-left"), 10);
  var out = timer.querySelector(".timer-left");
  var ends = Date.now() + left * 1000;
  function tick() {
    var s = Math.max(0, Math.round((ends - Date.now()) / 1000));
    var m = Math.floor(s / 60);
    out.textContent = m + " min " + String(s % 60).padStart(2, "0") + " s left";
    if (s === 60) { out.setAttribute("aria-live", "assertive"); }
    if (s > 0) { window.setTimeout(tick, 1000); } else { out.textContent = "Time is up."; }
  }
  tick();
})();
