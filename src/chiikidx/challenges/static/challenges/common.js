// 県内の共通課題: a slider beside each similarity-threshold number input (the number input stays
// the form's field, so the page works without this script); letting go of the slider submits.
// The slider's accessible name comes from the page (data-threshold), translated there.
(function () {
  "use strict";

  function enhance(box) {
    var input = box.querySelector('input[type="number"]');
    if (!input || box.querySelector('input[type="range"]')) {
      return;
    }
    var row = document.createElement("div");
    row.className = "common-threshold__range";
    var range = document.createElement("input");
    range.type = "range";
    range.min = input.min || "0";
    range.max = input.max || "1";
    range.step = input.step || "0.05";
    range.value = input.value;
    range.setAttribute("aria-label", box.dataset.threshold || input.labels[0].textContent);
    var shown = document.createElement("output");
    shown.setAttribute("aria-hidden", "true");
    function show() {
      shown.textContent = Math.round(Number(range.value) * 100) + "%";
    }
    range.addEventListener("input", function () {
      input.value = Number(range.value).toFixed(2);
      show();
    });
    range.addEventListener("change", function () {
      if (input.form && input.form.requestSubmit) {
        input.form.requestSubmit();
      } else if (input.form) {
        input.form.submit();
      }
    });
    input.addEventListener("input", function () {
      range.value = input.value;
      show();
    });
    show();
    row.appendChild(range);
    row.appendChild(shown);
    input.insertAdjacentElement("afterend", row);
  }

  document.querySelectorAll("[data-threshold]").forEach(enhance);
})();
