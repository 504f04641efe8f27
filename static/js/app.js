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

  // Shared clinic computers: the server ends a session that sat idle longer than the
  // clinic allows (<body data-idle-seconds>). A minute before, this warns and offers to
  // stay signed in; before warning it asks the server, which also counts other tabs.
  // Typing or clicking on a page that has not talked to the server for a minute (a long
  // note) keeps the session too. Without JavaScript the server still signs out.
  function idleSignOut() {
    var body = document.body;
    var total = parseInt(body.getAttribute("data-idle-seconds"), 10);
    var url = body.getAttribute("data-session-url");
    var banner = document.getElementById("idle-warning");
    if (!total || !url || !banner) return;
    var warnFor = parseInt(body.getAttribute("data-idle-warning-seconds"), 10) || 60;
    var loginUrl = body.getAttribute("data-login-url") || "/login/";
    var stayButton = banner.querySelector("[data-idle-stay]");
    var timer = null;
    var lastContact = Date.now();

    function later(seconds, then) {
      window.clearTimeout(timer);
      timer = window.setTimeout(then, Math.max(0, seconds) * 1000);
    }
    function ask(method) {
      return fetch(url, {
        method: method,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": window.clinic.csrfToken() },
      }).then(function (response) {
        return response.json().catch(function () { return { signed_in: false }; });
      });
    }
    function signedOut() {
      var here = window.location.pathname + window.location.search;
      window.location.assign(loginUrl + "?next=" + encodeURIComponent(here));
    }
    function hide() { banner.hidden = true; }
    function show() {
      if (!banner.hidden) return;
      banner.hidden = false;
      stayButton.focus();
    }
    function follow(state) {
      if (!state.signed_in || state.seconds_left <= 0) { signedOut(); return; }
      if (state.seconds_left > warnFor) {
        hide();
        later(state.seconds_left - warnFor, check);
      } else {
        show();
        later(state.seconds_left + 1, check);
      }
    }
    function check() {
      ask("GET").then(follow).catch(function () { later(15, check); });
    }
    function stay() {
      lastContact = Date.now();
      ask("POST").then(follow).catch(function () { later(15, check); });
    }

    stayButton.addEventListener("click", stay);
    ["keydown", "pointerdown"].forEach(function (type) {
      document.addEventListener(type, function (event) {
        if (event.target === stayButton) return;
        if (Date.now() - lastContact > 60000) stay();
      }, { capture: true, passive: true });
    });
    later(total - warnFor, check);
  }

  document.addEventListener("DOMContentLoaded", idleSignOut);

  window.clinic = {
    csrfToken: function () {
      var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    },
  };
})();
