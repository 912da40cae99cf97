// Checklist page: print the framed checklist, size the frame to its content.
(function () {
  "use strict";
  var frame = document.getElementById("checklist-frame");
  var button = document.getElementById("print-button");
  if (!frame) return;
  function fit() {
    try {
      var doc = frame.contentDocument;
      if (doc && doc.documentElement) frame.style.height = (doc.documentElement.scrollHeight + 16) + "px";
    } catch (e) { /* not same-origin: keep the CSS height */ }
  }
  frame.addEventListener("load", function () {
    fit();
    var result = document.getElementById("checklist-result");
    if (result && result.scrollIntoView) result.scrollIntoView();
  });
  window.addEventListener("resize", fit);
  if (button) button.addEventListener("click", function () {
    try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { window.print(); }
  });
})();
