// While the phone rings: ask the server every two seconds how the call stands; once the
// callee pressed #, submit the form that completes the sign-in (no click needed).
(function () {
  "use strict";
  var box = document.getElementById("call-state");
  var form = document.getElementById("complete-call");
  if (!box || !form) { return; }
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
