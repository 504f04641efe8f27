// The in-treatment session form: live depth limits, justification boxes, vitamin C
// warning, add/remove rows, "Now" for the end time. The server validates everything
// again; without this file the form still works (blank rows are ignored).
(function () {
  "use strict";

  var VITAMIN_C = /vit(?:amin)?\.?\s*-?\s*c\b|ascorb|\bl-?aa\b|\bthd\b|tetrahexyldecyl/i;

  function config() {
    var node = document.getElementById("session-live-config");
    return node ? JSON.parse(node.textContent) : { limits: {}, notes: {} };
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]');
  }

  function updateArea(row, cfg) {
    var area = field(row, "area"), skin = field(row, "skin"), depth = field(row, "depth_mm");
    var why = row.querySelector("[data-justification]");
    var whyBox = field(row, "justification");
    var hint = row.querySelector("[data-why-hint]");
    var out = row.querySelector("[data-limit]");
    if (!area || !out) return;
    var limits = cfg.limits[area.value] || null;
    var limit = limits ? limits[(skin && skin.value) || "thin"] : null;
    var value = depth && depth.value !== "" ? parseFloat(depth.value) : NaN;
    var over = limit !== null && !isNaN(value) && value > parseFloat(limit);
    var note = cfg.notes[area.value] ? " · " + cfg.notes[area.value] : "";
    var text;
    if (!area.value) text = "";
    else if (over) text = value + " mm is deeper than the " + limit + " mm limit: write why below.";
    else text = "Limit " + limit + " mm" + note;
    if (out.textContent !== text) out.textContent = text;
    out.classList.toggle("area-row__limit--over", over);
    row.classList.toggle("area-row--over", over);
    var hasError = why && why.classList.contains("field--error");
    var keep = over || hasError || (whyBox && whyBox.value.trim() !== "");
    if (why) why.hidden = !keep;
    if (whyBox) {
      whyBox.required = over;
      if (over) whyBox.setAttribute("aria-required", "true");
      else whyBox.removeAttribute("aria-required");
    }
    if (hint) hint.textContent = over ? "required" : "needed only above the limit";
  }

  function updateProduct(row) {
    var product = field(row, "product"), timing = field(row, "timing"), vitc = field(row, "is_vitamin_c");
    var warning = row.querySelector("[data-vitc-warning]");
    if (!warning || !timing) return;
    var isC = (vitc && vitc.checked) || (product && VITAMIN_C.test(product.value));
    var text = "";
    if (timing.value === "during" && isC) {
      text = "Vitamin C is never applied during needling: record it before or after, or not at all.";
    }
    if (warning.textContent !== text) warning.textContent = text;
  }

  function clearRow(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") el.checked = false;
      else if (el.tagName === "SELECT") el.selectedIndex = 0;
      else el.value = "";
    });
  }

  function bindRow(row, cfg) {
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
    if (row.hasAttribute("data-area-row")) {
      row.addEventListener("input", function () { updateArea(row, cfg); });
      row.addEventListener("change", function () { updateArea(row, cfg); });
      updateArea(row, cfg);
    } else {
      row.addEventListener("input", function () { updateProduct(row); });
      row.addEventListener("change", function () { updateProduct(row); });
      updateProduct(row);
    }
  }

  function addRow(prefix, cfg) {
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
    bindRow(row, cfg);
    var first = row.querySelector("select, input");
    if (first) first.focus();
  }

  function nowIn(zone) {
    try {
      var parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date());
      return parts;
    } catch (e) {
      var d = new Date();
      return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
    }
  }

  function init() {
    var form = document.querySelector("[data-session-form]");
    if (!form) return;
    var cfg = config();
    form.querySelectorAll("[data-area-row], [data-product-row]").forEach(function (row) { bindRow(row, cfg); });
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { addRow(button.getAttribute("data-add-row"), cfg); });
    });
    document.querySelectorAll("[data-now]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-now"));
        if (input) {
          input.value = nowIn(cfg.timezone);
          input.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
    // Irreversible steps ask first.
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-confirm]");
      if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
