// Autosave for the answer sheet: every change is posted; the server validates and answers JSON.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;

  function showErrors(errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (el) {
      var message = errors[el.getAttribute("data-error-for")];
      el.textContent = message || "";
      el.hidden = !message;
    });
  }

  function showProgress(progress) {
    Object.keys(progress || {}).forEach(function (code) {
      var bar = document.querySelector('[data-progress="' + code + '"]');
      if (bar) { bar.value = progress[code]; bar.textContent = progress[code] + "%"; }
    });
  }

  function save() {
    status.textContent = "保存しています…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        showErrors({});
        showProgress(result.data.progress);
        status.textContent = result.data.at + " に保存しました。";
      } else {
        showErrors(result.data.errors || {});
        status.textContent = "保存できませんでした。赤字のメッセージを確認してください。";
      }
    }).catch(function () {
      status.textContent = "保存できませんでした。通信を確認して「保存する」を押してください。";
    });
  }

  form.addEventListener("change", function (event) {
    // A file chosen for an evidence question belongs to its own upload form (form attribute).
    if (event.target && event.target.form !== form) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  });
})();
