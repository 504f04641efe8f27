// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // "/" focuses the client search from anywhere (unless typing in a field).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    var box = document.getElementById("quicksearch");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to an error summary so screen-reader and keyboard users land on it.
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
    // Selects that submit their form on change (clinic switcher).
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // Resend a failed message (aftercare schedule on the session page) via the outbox API.
    document.querySelectorAll("[data-aftercare-resend]").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        fetch(button.getAttribute("data-aftercare-resend"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": window.clinic.csrfToken(), "Accept": "application/json" },
        }).then(function (response) {
          if (response.ok) { window.location.reload(); return; }
          return response.json().then(function (body) {
            button.disabled = false;
            window.alert(body.detail || "The message could not be resent.");
          });
        }).catch(function () {
          button.disabled = false;
          window.alert("The message could not be resent; check the connection and try again.");
        });
      });
    });
  });

  window.clinic = {
    csrfToken: function () {
      var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    },
  };
})();
