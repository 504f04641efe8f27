// Behaviour for a screening form and its live outcome (templates/screening/_live_panel.html).
// The outcome is rendered by the server and swapped in by htmx; nothing here knows a rule
// or a word of it. Without this file (or without JavaScript) the form still saves.
(function () {
  "use strict";

  function livePanel(event) {
    var target = event.detail && event.detail.elt;
    return target && target.matches && target.matches("[data-live-result]") ? target : null;
  }

  // A date and "never" exclude each other: the latest one entered wins.
  document.addEventListener("input", function (event) {
    var field = event.target;
    var form = field.form;
    if (!form || !form.matches("[data-screening-form]")) return;
    var name = field.name || "";
    if (field.type === "checkbox" && name.indexOf("never-") === 0 && field.checked) {
      var day = form.elements["q-" + name.slice("never-".length)];
      if (day) day.value = "";
    } else if (field.type === "date" && name.indexOf("q-") === 0 && field.value) {
      var never = form.elements["never-" + name.slice("q-".length)];
      if (never) never.checked = false;
    }
  });

  // Mark at the question what the live outcome says to correct, as a saved form does;
  // only marks it set itself are taken away again.
  function markInvalid(panel) {
    var form = document.getElementById(panel.getAttribute("data-form"));
    var content = panel.querySelector("[data-invalid-fields]");
    if (!form || !content) return;
    var invalid = content.getAttribute("data-invalid-fields").split(" ");
    var planned = form.elements.planned_date;
    var places = Array.prototype.map.call(form.querySelectorAll("[data-question]"), function (fieldset) {
      return { field: fieldset.getAttribute("data-question"), node: fieldset, className: "q--error" };
    });
    if (planned) places.push({ field: "planned_date", node: planned.closest(".field"), className: "field--error" });
    places.forEach(function (place) {
      if (!place.node) return;
      var wanted = invalid.indexOf(place.field) >= 0;
      var ours = place.node.hasAttribute("data-live-error");
      if (wanted === place.node.classList.contains(place.className) || (!wanted && !ours)) return;
      place.node.classList.toggle(place.className, wanted);
      place.node.toggleAttribute("data-live-error", wanted);
      place.node.querySelectorAll("input:not([type=checkbox]):not([type=radio])").forEach(function (input) {
        if (wanted) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = livePanel(event);
    if (panel) panel.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var panel = livePanel(event);
    if (panel) panel.removeAttribute("aria-busy");
  });
  // An error page or no connection: say so rather than keep showing an outdated outcome.
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var panel = livePanel(event);
      if (panel) panel.textContent = panel.getAttribute("data-unavailable");
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = livePanel(event);
    if (panel) markInvalid(panel);
  });
  // Screen readers hear the outcome when it changes, not again after every answer.
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var status = event.detail.target;
    if (status.id === "live-status" && status.textContent === event.detail.fragment.textContent) {
      event.detail.shouldSwap = false;
    }
  });
})();
