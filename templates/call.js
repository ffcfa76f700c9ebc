// The portal's page script (loaded by every page; served as /static/call.js, a public path
// of the gate). Two parts: the code pages' time limits, and the call-waiting page.
//
// The code pages' time limits, counted down (the server's words say them without script):
// the visible text each second; the polite live region only at 60, 20 and 10 seconds and at
// the end, never every second (WCAG 2.2.1, 4.1.3). Also focuses the error summary when the
// browser did not honour its autofocus.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement === document.body) { summary.focus(); }
  var MARKS = [60, 20, 10];
  // The page's words for spans of time (`data-units`: one second, seconds, minutes, in its
  // language) and for the announcement (`data-announce-prefix`); English without them.
  function wordsOf(el) {
    var units = (el.getAttribute("data-units") || "").split("|");
    var one = units[0] || "1 second";
    var seconds = units[1] || "seconds";
    var minutes = units[2] || "minutes";
    return function (s) {
      if (s >= 120) { return Math.floor(s / 60) + " " + minutes; }
      return s === 1 ? one : s + " " + seconds;
    };
  }
  function count(el) {
    var start = Number(el.getAttribute("data-countdown"));
    if (!(start > 0)) { return; }
    var words = wordsOf(el);
    var announce = el.getAttribute("data-announce-prefix") || "Your code expires in ";
    var end = Date.now() + start * 1000;
    var prefix = el.getAttribute("data-prefix") || "";
    var done = el.getAttribute("data-done") || "";
    var live = document.getElementById(el.getAttribute("data-live") || "");
    var last = start;
    function tick() {
      var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
      if (left === 0) {
        el.textContent = done;
        if (live) { live.textContent = done; }
        return;
      }
      el.textContent = prefix + words(left) + ".";
      if (live) {
        MARKS.forEach(function (mark) {
          if (last > mark && left <= mark) { live.textContent = announce + words(mark) + "."; }
        });
      }
      last = left;
      setTimeout(tick, 1000 - ((end - Date.now()) % 1000));
    }
    setTimeout(tick, 1000 - ((end - Date.now()) % 1000));
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-countdown]"), count);
})();

// While the phone rings: ask the server every two seconds how the call stands; once the
// callee pressed #, submit the form that completes the sign-in (no click needed).
(function () {
  "use strict";
  var box = document.getElementById("call-state");
  var form = document.getElementById("complete-call");
  if (!box || !form) { return; }
  // Cancel ends the call too (the server hangs up and voids its challenge): posted as a
  // beacon, which survives the link's navigation, with the page's CSRF token.
  var cancel = document.querySelector("a[data-cancel-call]");
  var token = form.querySelector("input[name=csrf_token]");
  if (cancel && token && navigator.sendBeacon) {
    cancel.addEventListener("click", function () {
      navigator.sendBeacon("/verify/phone/call/cancel", new URLSearchParams({ csrf_token: token.value }));
    });
  }
  if (box.getAttribute("data-state") === "pressed") { form.submit(); return; }
  if (box.getAttribute("data-state") !== "waiting") { return; }
  function check() {
    fetch("/verify/phone/call/state", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.state === "pressed") {
          form.submit();
        } else if (body.state === "waiting") {
          setTimeout(check, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(check, 4000); });
  }
  setTimeout(check, 2000);
})();
