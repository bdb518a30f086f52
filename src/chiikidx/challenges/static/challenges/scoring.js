// The scoring table by keyboard: typing 1–5 in a score cell sets it and moves on; arrow keys,
// Enter and Tab move between cells; each changed row is saved on its own (POST, JSON, CSRF) and
// says so in its last cell. Without this file the table is one form saved by its button.
// The texts it shows come translated from the page (data-text-* attributes of the form).
(function () {
  "use strict";
  var form = document.querySelector("[data-scoring]");
  if (!form || !window.fetch) { return; }
  var SAVE_DELAY = 800;
  var SCORES = ["benefit", "difficulty", "urgency"];
  var SAVED = form.getAttribute("data-text-saved");
  var SAVING = form.getAttribute("data-text-saving");
  var HINT = form.getAttribute("data-text-hint");
  var FAILED = form.getAttribute("data-text-failed");
  var UNSCORED = form.getAttribute("data-text-unscored");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-save-url]"));
  var state = new Map();  // row → {timer, busy, again}

  var hint = form.querySelector("[data-scoring-hint]");
  if (hint) { hint.textContent = hint.getAttribute("data-text-live"); }

  function cells(row) {
    return Array.prototype.slice.call(row.querySelectorAll("[data-cell]"));
  }
  function cellAt(row, index) {
    var list = cells(row);
    return list[Math.max(0, Math.min(index, list.length - 1))];
  }
  function rowOf(el) { return el.closest("tr"); }
  function indexOf(el) { return parseInt(el.getAttribute("data-cell"), 10); }
  function focus(el) {
    if (!el) { return; }
    el.focus();
    if (el.select) { el.select(); }
  }
  function moveRow(el, step) {
    var i = rows.indexOf(rowOf(el)) + step;
    if (i >= 0 && i < rows.length) { focus(cellAt(rows[i], indexOf(el))); }
  }
  function moveCell(el, step) {
    var row = rowOf(el);
    var list = cells(row);
    var i = list.indexOf(el) + step;
    if (i >= 0 && i < list.length) { focus(list[i]); }
  }
  function nextScore(el) {
    // After the last score, on to the first score of the next row (fast entry of many rows).
    if (indexOf(el) < SCORES.length - 1) { moveCell(el, 1); return; }
    var i = rows.indexOf(rowOf(el)) + 1;
    if (i < rows.length) { focus(cellAt(rows[i], 0)); }
  }

  function say(row, text, isError) {
    var out = row.querySelector(".row-status");
    out.textContent = "";
    var span = document.createElement("span");
    span.className = isError ? "row-status__error" : "row-status__ok";
    span.textContent = text;
    out.appendChild(span);
    row.classList.toggle("row--error", !!isError);
    row.classList.toggle("row--saved", !isError && text === SAVED);
  }

  function values(row) {
    var data = {};
    cells(row).forEach(function (el) { data[el.name.replace(/^c\d+-/, "")] = el.value; });
    return data;
  }

  function showPriority(row, priority) {
    var out = row.querySelector("[data-priority]");
    out.textContent = "";
    var el = document.createElement(priority ? "strong" : "span");
    if (!priority) { el.className = "muted"; }
    el.textContent = priority || UNSCORED;
    out.appendChild(el);
  }

  function markErrors(row, errors) {
    cells(row).forEach(function (el) {
      var name = el.name.replace(/^c\d+-/, "");
      if (errors && errors[name]) { el.setAttribute("aria-invalid", "true"); }
      else { el.removeAttribute("aria-invalid"); }
    });
  }

  function save(row, keepalive) {
    var s = state.get(row) || {};
    state.set(row, s);
    clearTimeout(s.timer);
    s.timer = null;
    if (!s.dirty) { return; }
    if (s.busy) { s.again = true; return; }
    s.busy = true;
    s.dirty = false;
    say(row, SAVING, false);
    fetch(row.getAttribute("data-save-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(values(row))
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: FAILED }; });
    }).then(function (answer) {
      markErrors(row, answer.errors);
      if (answer.ok) { showPriority(row, answer.priority); }
      say(row, answer.ok ? SAVED : (answer.message || FAILED), !answer.ok);
    }).catch(function () {
      say(row, FAILED, true);
    }).then(function () {
      s.busy = false;
      if (s.again) { s.again = false; s.dirty = true; save(row); }
    });
  }

  function changed(row) {
    var s = state.get(row) || {};
    state.set(row, s);
    s.dirty = true;
    clearTimeout(s.timer);
    s.timer = setTimeout(function () { save(row); }, SAVE_DELAY);
  }

  function halfWidth(text) {
    return text.replace(/[１-５]/g, function (ch) { return String("１２３４５".indexOf(ch) + 1); });
  }

  function scoreKey(event, el) {
    var key = event.key;
    var digit = /^[1-5１-５]$/.test(key) ? halfWidth(key) : null;
    if (digit) {
      event.preventDefault();
      if (el.value !== digit) { el.value = digit; changed(rowOf(el)); }
      nextScore(el);
      return true;
    }
    if (key === "Backspace" || key === "Delete") {
      event.preventDefault();
      if (el.value !== "") { el.value = ""; changed(rowOf(el)); }
      return true;
    }
    if (key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      say(rowOf(el), HINT, true);
      return true;
    }
    return false;
  }

  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.hasAttribute || !el.hasAttribute("data-cell") || event.isComposing) { return; }
    var isScore = el.classList.contains("score-input");
    if (isScore && scoreKey(event, el)) { return; }
    switch (event.key) {
      case "ArrowLeft": event.preventDefault(); moveCell(el, -1); break;
      case "ArrowRight": event.preventDefault(); moveCell(el, 1); break;
      case "ArrowUp": if (isScore) { event.preventDefault(); moveRow(el, -1); } break;
      case "ArrowDown": if (isScore) { event.preventDefault(); moveRow(el, 1); } break;
      case "Enter": event.preventDefault(); moveRow(el, event.shiftKey ? -1 : 1); break;
      default: break;
    }
  });

  // Typed through an input method (全角) or pasted: keep one digit 1–5, or refuse it.
  form.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.classList || !el.classList.contains("score-input")) { return; }
    var text = halfWidth(el.value).trim();
    if (text === "" || /^[1-5]$/.test(text)) {
      el.value = text;
      el.setAttribute("data-before", text);
      changed(rowOf(el));
    } else {
      el.value = el.getAttribute("data-before") || "";
      say(rowOf(el), HINT, true);
    }
  });

  form.addEventListener("change", function (event) {
    var el = event.target;
    if (el.tagName === "SELECT" && el.hasAttribute("data-cell")) { changed(rowOf(el)); }
  });

  // Leaving a row saves it at once.
  form.addEventListener("focusout", function (event) {
    var row = rowOf(event.target);
    if (!row || !row.hasAttribute("data-save-url")) { return; }
    var next = event.relatedTarget;
    if (!next || rowOf(next) !== row) { save(row); }
  });
  // A score cell's content is selected on arrival, so typing replaces it.
  form.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("score-input")) {
      el.setAttribute("data-before", el.value);
      el.select();
    }
  });
  window.addEventListener("pagehide", function () {
    rows.forEach(function (row) { save(row, true); });
  });
})();
