// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Forms that change state ask first: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Move focus to the first error so keyboard and screen-reader users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var error = document.querySelector(".form-error, .field--error input, .field--error select");
    if (error) {
      if (!error.hasAttribute("tabindex") && !/INPUT|SELECT|TEXTAREA/.test(error.tagName)) {
        error.setAttribute("tabindex", "-1");
      }
      error.focus();
    }
  });
})();
