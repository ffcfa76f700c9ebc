// Passkey buttons: a form marked data-passkey="create" (add a passkey) or "get" (sign in, or
// the second step). On submit: post the form's CSRF token to its data-options URL, hand the
// options to the browser's WebAuthn call, post the answer with the form's fields to its
// action, then go where the server says. The server decides everything; this only carries
// binary fields across as base64url, which JSON cannot hold.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) { return; }

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var bytes = atob(base64);
    var out = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i++) { out[i] = bytes.charCodeAt(i); }
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) { return null; }
    var bytes = new Uint8Array(buffer);
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // Never settles: the page is leaving.
  function go(to) {
    window.location.assign(to);
    return new Promise(function () {});
  }

  // The page's words for what goes wrong (`data-…` of the form's alert), English without them.
  var said = {
    cancelled: "The passkey request was cancelled or timed out. Try again, or use another way.",
    exists: "This device already holds a passkey for your account.",
    refused: "This browser refused the passkey for this address. Open the portal at its usual address and try again.",
    failed: "Something went wrong with the passkey. Try again.",
    unreadable: "The portal could not complete this. Reload the page and try again.",
    "try-again": "The portal could not complete this. Try again."
  };
  function say(alert, what) {
    return (alert && alert.getAttribute("data-" + what)) || said[what];
  }

  function post(url, fields, alert) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      // The gate sends a session at another stage to its page.
      if (response.redirected) { return go(response.url); }
      return response.json().catch(function () {
        throw new Error(say(alert, "unreadable"));
      }).then(function (answer) {
        if (answer.next) { return go(answer.next); }
        if (!response.ok || answer.error) {
          throw new Error(answer.error || say(alert, "try-again"));
        }
        return answer;
      });
    });
  }

  function creationOptions(options) {
    var key = options.publicKey;
    key.challenge = toBuffer(key.challenge);
    key.user.id = toBuffer(key.user.id);
    (key.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: key };
  }

  function requestOptions(options) {
    var key = options.publicKey;
    key.challenge = toBuffer(key.challenge);
    (key.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: key };
  }

  function created(credential) {
    var results = credential.getClientExtensionResults ? credential.getClientExtensionResults() : {};
    var extensions = {};
    if (results.credProps) { extensions.credProps = { rk: results.credProps.rk }; }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toText(credential.response.attestationObject),
        clientDataJSON: toText(credential.response.clientDataJSON)
      },
      extensions: extensions
    };
  }

  function asserted(credential) {
    var response = {
      authenticatorData: toText(credential.response.authenticatorData),
      clientDataJSON: toText(credential.response.clientDataJSON),
      signature: toText(credential.response.signature)
    };
    if (credential.response.userHandle) {
      response.userHandle = toText(credential.response.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      extensions: {}
    };
  }

  function explain(error, alert) {
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return say(alert, "cancelled");
    }
    if (error && error.name === "InvalidStateError") {
      return say(alert, "exists");
    }
    if (error && error.name === "SecurityError") {
      return say(alert, "refused");
    }
    return (error && error.message) || say(alert, "failed");
  }

  function run(form, event) {
    event.preventDefault();
    var alert = document.getElementById(form.getAttribute("data-alert"));
    var button = form.querySelector("button[type=submit]");
    var fields = {};
    new FormData(form).forEach(function (value, name) { fields[name] = value; });
    var create = form.getAttribute("data-passkey") === "create";
    if (alert) { alert.hidden = true; alert.textContent = ""; }
    if (button) { button.disabled = true; }
    post(form.getAttribute("data-options"), { csrf_token: fields.csrf_token }, alert)
      .then(function (answer) {
        if (answer.handle) { fields.handle = answer.handle; }
        return create
          ? navigator.credentials.create(creationOptions(answer.options)).then(created)
          : navigator.credentials.get(requestOptions(answer.options)).then(asserted);
      })
      .then(function (credential) {
        fields.credential = JSON.stringify(credential);
        return post(form.getAttribute("action"), fields, alert);
      })
      .catch(function (error) {
        if (button) { button.disabled = false; }
        if (alert) {
          alert.textContent = explain(error, alert);
          alert.hidden = false;
          alert.setAttribute("tabindex", "-1");
          alert.focus();
        }
      });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-passkey]");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      form.hidden = false;
      form.addEventListener("submit", run.bind(null, form));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
