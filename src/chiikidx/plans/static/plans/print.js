// The print button of the plan's summary, tree and Gantt pages: shown only when this script runs
// (the browser's own print command works the same). Paper size: print.css and print-a3.css.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
