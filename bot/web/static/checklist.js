// Printable checklist page: the print button (inline scripts are not allowed by the CSP).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) button.addEventListener("click", function () { window.print(); });
  var result = document.getElementById("checklist-result");
  if (result && result.scrollIntoView) result.scrollIntoView();
})();
