// CSV file uploads (bulk create, import of current portal users): send the form in the
// background to show how much of a large file has gone up, then show the server's answer in
// place. Each form marked data-upload has its own progress bar and status line; the
// attribute holds what to say while the server checks the rows, data-max-bytes and
// data-too-large the size limit and what to do above it; data-sending, data-percent,
// data-answered and data-unreachable the other things it says, in the page's language
// ({file}, {percent}, {status} filled in here; English is the fallback). Without script the same form posts
// as usual and the answer is a page of its own.
(function () {
  "use strict";
  if (!window.FormData || !window.XMLHttpRequest) { return; }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), function (form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector("[role=status]");
    if (!bar || !status) { return; }
    var said = function (name, english) { return form.getAttribute(name) || english; };
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || input.files.length === 0) { return; }
      event.preventDefault();
      // A file over the limit would be refused after the whole upload: say so at once.
      var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
      if (limit && input.files[0].size > limit) {
        status.textContent = form.getAttribute("data-too-large") || "The file is too large.";
        return;
      }
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.responseType = "document";
      bar.hidden = false;
      bar.max = 100;
      bar.value = 0;
      status.textContent = said("data-sending", "Uploading {file}…").replace("{file}", input.files[0].name);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { return; }
        var percent = Math.floor(e.loaded * 100 / e.total);
        bar.value = percent;
        status.textContent = said("data-percent", "Uploading: {percent}% sent.").replace("{percent}", percent);
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        status.textContent = form.getAttribute("data-upload") || "Uploaded. Checking every row…";
      });
      xhr.addEventListener("load", function () {
        var answer = xhr.response;
        var main = answer && answer.getElementById("main");
        var here = document.getElementById("main");
        if (!main || !here) {
          bar.hidden = true;
          if (button) { button.disabled = false; }
          status.textContent = said("data-answered", "The server answered {status}. Reload the page and try again.").replace("{status}", xhr.status);
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
        status.textContent = said("data-unreachable", "The upload did not reach the server. Check the connection and try again.");
      });
      xhr.send(new FormData(form));
    });
  });
})();
