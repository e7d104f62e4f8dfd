/* Report form: remember which section the user was in (the page comes back there after saving),
   and warn before leaving with unsaved changes. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var anchor = form.querySelector("input[name=anchor]");
  var dirty = false;
  form.addEventListener("focusin", function (event) {
    var section = event.target.closest("[data-anchor]");
    if (section && anchor) { anchor.value = section.getAttribute("data-anchor"); }
  });
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
