// Question editor: show only the settings of the chosen question type. Without this script
// every section stays visible, and the server keeps only what the chosen type uses.
(function () {
  "use strict";
  var form = document.querySelector("form[data-question-form]");
  if (!form) { return; }
  var select = form.querySelector("select[name=type]");
  if (!select) { return; }

  function update() {
    form.querySelectorAll("[data-for-types]").forEach(function (section) {
      var types = section.getAttribute("data-for-types").split(" ");
      section.hidden = types.indexOf(select.value) < 0;
    });
  }

  select.addEventListener("change", update);
  update();
})();
