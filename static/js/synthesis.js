/* Synthesis page: while a build runs, poll its stored progress and reload when it is done. */
(function () {
  "use strict";
  var box = document.getElementById("synthesis-build");
  if (!box) { return; }
  var state = box.getAttribute("data-state");
  if (state !== "queued" && state !== "running") { return; }
  var bar = document.getElementById("build-progress-bar");
  var wrap = document.getElementById("build-progress");
  function poll() {
    fetch(box.getAttribute("data-status-url"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.style.width = data.progress + "%";
        bar.textContent = data.progress + "%";
        wrap.setAttribute("aria-valuenow", data.progress);
        if (data.state === "queued" || data.state === "running") { window.setTimeout(poll, 700); }
        else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
