// Bulk create from a CSV file: send the form in the background to show how much of a large
// file has gone up, then show the server's answer in place. Without script the same form
// posts as usual and the answer is a page of its own.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  if (!form || !bar || !status || !window.FormData || !window.XMLHttpRequest) { return; }
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files || input.files.length === 0) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.responseType = "document";
    bar.hidden = false;
    bar.max = 100;
    bar.value = 0;
    status.textContent = "Uploading " + input.files[0].name + "…";
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) { return; }
      var percent = Math.floor(e.loaded * 100 / e.total);
      bar.value = percent;
      status.textContent = "Uploading: " + percent + "% sent.";
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      status.textContent = "Uploaded. Checking every row and creating the accounts…";
    });
    xhr.addEventListener("load", function () {
      var answer = xhr.response;
      var main = answer && answer.getElementById("main");
      var here = document.getElementById("main");
      if (!main || !here) {
        bar.hidden = true;
        if (button) { button.disabled = false; }
        status.textContent = "The server answered " + xhr.status + ". Reload the page and try again.";
        return;
      }
      document.title = answer.title;
      while (here.firstChild) { here.removeChild(here.firstChild); }
      Array.prototype.forEach.call(main.childNodes, function (node) {
        here.appendChild(document.importNode(node, true));
      });
      var heading = here.querySelector("h1");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    });
    xhr.addEventListener("error", function () {
      bar.hidden = true;
      if (button) { button.disabled = false; }
      status.textContent = "The upload did not reach the server. Check the connection and try again.";
    });
    xhr.send(new FormData(form));
  });
})();
