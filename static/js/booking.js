// Booking form behaviour only. Every page works without this file: "Find free slots" and
// the slot buttons are GET submissions that the server answers with the same page. With
// htmx the slot list and the screening panel are server-rendered partials swapped in
// place (the hx-* attributes in templates/booking say which inputs refresh what); what is
// left here is what only the browser can do: copy a chosen slot into the form, submit
// once, and ask before an irreversible action.
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("[data-booking-form]");
    if (!form) return;

    // A slot fills in the date, start time and room the server wrote on it, says so,
    // and lets the screening panel follow the date ("slot-chosen" in the template).
    form.addEventListener("click", function (event) {
      var slot = event.target.closest("button.slot");
      if (!slot) return;
      event.preventDefault();
      form.elements.date.value = slot.getAttribute("data-slot-date");
      form.elements.start_time.value = slot.getAttribute("data-slot-time");
      var room = slot.getAttribute("data-slot-room");
      if (room && form.elements.room) form.elements.room.value = room;
      form.querySelectorAll("button.slot").forEach(function (other) {
        other.setAttribute("aria-pressed", other === slot ? "true" : "false");
      });
      var status = form.querySelector("[data-slot-status]");
      if (status) status.textContent = slot.getAttribute("data-slot-chosen");
      form.dispatchEvent(new CustomEvent("slot-chosen", { bubbles: true }));
    });

    // The client search: with htmx the list follows the typing, so Enter stays in place
    // instead of reloading the page (the no-JavaScript way), and the down arrow moves to
    // the chosen (or first) client in the list.
    var search = form.querySelector("[data-client-search]");
    if (search) {
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && window.htmx) event.preventDefault();
        if (event.key === "ArrowDown") {
          var target = form.querySelector("#client-results input:checked") ||
            form.querySelector("#client-results input[type=radio]");
          if (target) { event.preventDefault(); target.focus(); }
        }
      });
    }

    // One booking per click: a second submit while the first is on its way is dropped.
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-submitting")) event.preventDefault();
      else form.setAttribute("data-submitting", "");
    });
    window.addEventListener("pageshow", function () { form.removeAttribute("data-submitting"); });
  }

  // A part being fetched is marked busy (styled, and announced as such).
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.target.removeAttribute("aria-busy");
  });

  // If the server cannot be reached in place, search the old way: the whole page.
  document.addEventListener("htmx:sendError", function (event) {
    var find = event.detail.elt.closest("[data-find-slots]");
    if (find && find.form && find.form.requestSubmit) find.form.requestSubmit(find);
  });

  // Irreversible actions ask first (the server refuses nothing here, so it is a courtesy).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
