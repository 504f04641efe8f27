// Booking form enhancements. Every page works without this file: "Find free slots" and
// the slot buttons are GET submissions that the server answers with the same page.
// Here they run in place instead: the slot list and the client's screening panel are
// fetched as server-rendered HTML (one place renders them), and a slot fills in the
// start time and room without leaving the page.
(function () {
  "use strict";

  var SEARCH_INPUTS = ["practitioner", "duration", "room", "device", "date", "span"];
  var SAFETY_INPUTS = ["client", "kind", "date"];

  function query(form, extra) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      // The CSRF token belongs to the POST; it must not travel in a URL.
      if (name === "csrfmiddlewaretoken" || typeof value !== "string") return;
      params.append(name, value);
    });
    Object.keys(extra || {}).forEach(function (name) { params.set(name, extra[name]); });
    return params;
  }

  function fetchPage(form, params) {
    var url = form.getAttribute("action") + "?" + params.toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
  }

  function swap(selector, doc) {
    var here = document.querySelector(selector);
    var there = doc.querySelector(selector);
    if (here && there) here.innerHTML = there.innerHTML;
    return here;
  }

  function say(form, text) {
    var status = form.querySelector("[data-slot-status]");
    if (!status) return;
    status.textContent = "";
    // A fresh text node after a tick is announced even when the words repeat.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function summary(results) {
    var node = results.querySelector(".slots__summary, .slots__none, .alert");
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function init() {
    var form = document.querySelector("[data-booking-form]");
    if (!form || !window.fetch || !window.URLSearchParams) return;
    var results = form.querySelector("[data-slot-results]");
    var searched = !!(results && results.querySelector(".slots, .slots__none"));
    var safetyTimer = null;

    function findSlots() {
      var params = query(form, { find: "1" });
      params.delete("slot");
      results.setAttribute("aria-busy", "true");
      return fetchPage(form, params).then(function (doc) {
        swap("[data-slot-results]", doc);
        swap("[data-safety]", doc);
        results.removeAttribute("aria-busy");
        searched = true;
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "?" + params.toString());
        }
        say(form, summary(results));
      }).catch(function () {
        results.removeAttribute("aria-busy");
        form.requestSubmit ? form.requestSubmit(form.querySelector("[data-find-slots]")) : form.submit();
      });
    }

    function refreshSafety() {
      if (!document.querySelector("[data-safety]")) return;
      window.clearTimeout(safetyTimer);
      safetyTimer = window.setTimeout(function () {
        var params = query(form);
        params.delete("slot");
        fetchPage(form, params).then(function (doc) { swap("[data-safety]", doc); });
      }, 200);
    }

    form.addEventListener("click", function (event) {
      var find = event.target.closest("[data-find-slots]");
      if (find) {
        event.preventDefault();
        findSlots();
        return;
      }
      var slot = event.target.closest("button.slot");
      if (!slot) return;
      event.preventDefault();
      form.elements.date.value = slot.getAttribute("data-slot-date");
      form.elements.start_time.value = slot.getAttribute("data-slot-time");
      var room = slot.getAttribute("data-slot-room");
      if (room && form.elements.room) form.elements.room.value = room;
      results.querySelectorAll("button.slot").forEach(function (other) {
        other.setAttribute("aria-pressed", other === slot ? "true" : "false");
      });
      var roomName = slot.querySelector(".slot__room");
      var group = slot.closest(".slots__day");
      var day = group ? group.querySelector(".slots__date").textContent : "";
      say(form, "Start set to " + slot.getAttribute("data-slot-time") + (day ? " on " + day : "") +
        (roomName ? " in " + roomName.textContent : "") + ".");
      refreshSafety();
    });

    // One booking per click: a second submit while the first is on its way is dropped.
    form.addEventListener("submit", function (event) {
      if (form.hasAttribute("data-submitting")) event.preventDefault();
      else form.setAttribute("data-submitting", "");
    });
    window.addEventListener("pageshow", function () { form.removeAttribute("data-submitting"); });

    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (SAFETY_INPUTS.indexOf(name) !== -1) refreshSafety();
      // Once slots are shown, keep them true to the choices above them.
      if (searched && SEARCH_INPUTS.indexOf(name) !== -1) findSlots();
    });
  }

  // Irreversible actions ask first (the server refuses nothing here, so it is a courtesy).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
