// The in-treatment session form: behaviour only. Add and remove rows, fill in "Now",
// and show an area's justification box when the server says the depth needs one.
// Limits, warnings and their words come from the server (htmx partials, see
// treatments/records/views/checks.py); without this file the form still works: every
// justification box shows, blank rows are ignored and the server refuses what it must.
(function () {
  "use strict";

  // The server's verdict on a row's depth is in its limit line: [data-over] when the
  // depth is deeper than the limit. Keep the justification box in step with it.
  function syncJustification(row) {
    var why = row.querySelector("[data-justification]");
    var box = why && why.querySelector("textarea");
    if (!why || !box) return;
    var over = row.querySelector("[data-limit] [data-over]") !== null;
    var keep = over || why.classList.contains("field--error") || box.value.trim() !== "";
    why.hidden = !keep;
    box.required = over;
    if (over) box.setAttribute("aria-required", "true");
    else box.removeAttribute("aria-required");
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = "";
    });
  }

  function bindRow(row) {
    var remove = row.querySelector("[data-remove-row]");
    if (remove) {
      remove.hidden = false;
      remove.addEventListener("click", function () {
        clearRow(row);
        row.hidden = true;
        var next = row.parentNode.querySelector("[data-area-row]:not([hidden]) select, [data-product-row]:not([hidden]) input");
        var add = document.querySelector('[data-add-row="' + row.parentNode.getAttribute("data-rows") + '"]');
        (next || add || document.body).focus();
      });
    }
    if (row.hasAttribute("data-area-row")) syncJustification(row);
  }

  function addRow(prefix) {
    var template = document.querySelector('[data-row-template="' + prefix + '"]');
    var container = document.querySelector('[data-rows="' + prefix + '"]');
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    if (!template || !container || !total) return;
    var index = parseInt(total.value, 10);
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (max && index >= parseInt(max.value, 10)) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    var legend = row.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.trim() + " " + (index + 1);
    container.appendChild(row);
    total.value = String(index + 1);
    if (window.htmx) window.htmx.process(row); // its live check
    bindRow(row);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  }

  function nowIn(zone) {
    try {
      return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date());
    } catch (e) {
      var d = new Date();
      return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
    }
  }

  function init() {
    var form = document.querySelector("[data-session-form]");
    if (!form) return;
    form.querySelectorAll("[data-area-row], [data-product-row]").forEach(bindRow);
    form.addEventListener("htmx:afterSwap", function (event) {
      var row = event.target.closest("[data-area-row]");
      if (row) syncJustification(row);
    });
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button.getAttribute("data-add-row")); });
    });
    document.querySelectorAll("[data-now]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-now"));
        if (input) {
          input.value = nowIn(button.getAttribute("data-zone"));
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
