// Live outcome for the screening form: as answers change, ask the evaluate API (a dry
// run that stores nothing) and show the outcome and findings beside the form.
// The form works without this file: the server evaluates the answers on save.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var MISSING_SHOWN = 6;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function longDate(iso) {
    var parts = (iso || "").split("-").map(Number);
    if (parts.length !== 3) return iso;
    var day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
    return day.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  function shorten(text, length) {
    text = (text || "").replace(/\s+/g, " ").trim();
    return text.length > length ? text.slice(0, length - 1).replace(/\s+\S*$/, "") + "…" : text;
  }

  function init() {
    var form = document.querySelector("[data-screening-form]");
    var panel = document.querySelector("[data-live-result]");
    var configNode = document.getElementById("screening-live-config");
    if (!form || !panel || !configNode || !window.fetch) return;
    var config = JSON.parse(configNode.textContent);
    var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
    var byCode = {};
    questions.forEach(function (fieldset) { byCode[fieldset.getAttribute("data-question")] = fieldset; });

    // The panel's parts, each replaced only when its content changes, so that screen
    // readers hear what changed rather than the whole panel on every answer.
    panel.textContent = "";
    var parts = {
      outcome: el("div", { class: "live-outcome", "data-part": "outcome" }),
      problems: el("div", { "data-part": "problems" }),
      missing: el("div", { class: "live-missing", "aria-live": "off", "data-part": "missing" }),
      findingsTitle: el("h3", { class: "live-findings__title", hidden: "" }),
      findings: el("ul", { class: "live-findings", "data-part": "findings" }),
    };
    Object.keys(parts).forEach(function (key) { panel.appendChild(parts[key]); });
    var signatures = {};

    function replace(part, signature, build) {
      if (signatures[part] === signature) return;
      signatures[part] = signature;
      parts[part].textContent = "";
      (build() || []).forEach(function (child) { parts[part].appendChild(child); });
    }

    function questionText(code) {
      var fieldset = byCode[code];
      var legend = fieldset && fieldset.querySelector("legend");
      return legend ? legend.textContent : code === "date_of_birth" ? "Client's date of birth" : code;
    }

    function answers() {
      var result = {};
      questions.forEach(function (fieldset) {
        var code = fieldset.getAttribute("data-question");
        var type = fieldset.getAttribute("data-type");
        if (type === "date") {
          var never = form.elements["never-" + code];
          var day = form.elements["q-" + code];
          if (day && day.value) result[code] = day.value;
          else if (never && never.checked) result[code] = null;
          return;
        }
        var checked = fieldset.querySelector("input[type=radio]:checked");
        if (!checked) return;
        if (type === "boolean") result[code] = checked.value === "yes";
        else result[code] = checked.value;
      });
      return result;
    }

    function jumpLink(code, text) {
      var link = el("a", { href: "#question-" + code, text: text });
      link.addEventListener("click", function (event) {
        var fieldset = byCode[code];
        if (!fieldset) return;
        event.preventDefault();
        fieldset.scrollIntoView({ block: "center" });
        var input = fieldset.querySelector("input");
        if (input) input.focus({ preventScroll: true });
      });
      return link;
    }

    function showOutcome(kind, tone, icon, label, detail) {
      replace("outcome", [kind, label, detail].join("|"), function () {
        parts.outcome.className = "live-outcome live-outcome--" + tone;
        return [
          el("span", { class: "live-outcome__icon", "aria-hidden": "true", text: icon }),
          el("div", {}, [
            el("p", { class: "live-outcome__label", text: label }),
            detail ? el("p", { class: "live-outcome__detail", text: detail }) : null,
          ]),
        ];
      });
    }

    function showMissing(missing) {
      replace("missing", missing.join(","), function () {
        if (!missing.length) return [];
        var items = missing.slice(0, MISSING_SHOWN).map(function (code) {
          return el("li", {}, [jumpLink(code, shorten(questionText(code), 70))]);
        });
        if (missing.length > MISSING_SHOWN) {
          items.push(el("li", { class: "muted", text: "and " + (missing.length - MISSING_SHOWN) + " more" }));
        }
        return [el("p", { class: "live-missing__title", text: "Still to answer:" }), el("ul", {}, items)];
      });
    }

    function showFindings(findings) {
      var title = findings.length ? "Findings (" + findings.length + ")" : "";
      parts.findingsTitle.textContent = title;
      if (findings.length) parts.findingsTitle.removeAttribute("hidden");
      else parts.findingsTitle.setAttribute("hidden", "");
      var existing = {};
      Array.prototype.forEach.call(parts.findings.children, function (item) {
        existing[item.getAttribute("data-key")] = item;
      });
      findings.forEach(function (finding, index) {
        var key = [finding.rule, finding.severity, finding.eligible_from, finding.explanation].join("|");
        var item = existing[key];
        delete existing[key];
        if (!item) {
          var severity = config.severities[finding.severity] || { label: finding.severity, tone: "neutral" };
          item = el("li", { class: "live-finding live-finding--" + severity.tone, "data-key": key }, [
            el("p", { class: "live-finding__head" }, [
              el("span", { class: "badge badge--" + severity.tone, text: severity.label }),
              " ",
              el("strong", { text: finding.title }),
            ]),
            finding.eligible_from
              ? el("p", { class: "live-finding__date", text: "Eligible from " + longDate(finding.eligible_from) })
              : null,
            el("p", { class: "live-finding__text", text: finding.explanation }),
          ]);
        }
        if (parts.findings.children[index] !== item) {
          parts.findings.insertBefore(item, parts.findings.children[index] || null);
        }
      });
      Object.keys(existing).forEach(function (key) { existing[key].remove(); });
    }

    function clearLiveErrors() {
      form.querySelectorAll("[data-live-error]").forEach(function (node) {
        node.removeAttribute("data-live-error");
        node.classList.remove("q--error", "field--error");
        node.querySelectorAll("[aria-invalid][data-live-invalid]").forEach(function (input) {
          input.removeAttribute("aria-invalid");
          input.removeAttribute("data-live-invalid");
        });
      });
    }

    function markError(container, className) {
      if (!container || container.classList.contains(className)) return;
      container.classList.add(className);
      container.setAttribute("data-live-error", "");
      container.querySelectorAll("input:not([type=checkbox]):not([type=radio])").forEach(function (input) {
        if (!input.hasAttribute("aria-invalid")) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("data-live-invalid", "");
        }
      });
    }

    function showResult(result) {
      clearLiveErrors();
      replace("problems", "", function () { return []; });
      var shown = config.outcomes[result.outcome] || { label: result.outcome, tone: "neutral", icon: "?" };
      var detail = shown.summary;
      if (result.outcome === "defer") {
        detail = result.eligible_from
          ? "Not now. Eligible from " + longDate(result.eligible_from) + "."
          : "Not now: re-screen when the condition has resolved.";
      } else if (result.outcome === "incomplete") {
        detail = "Answer every question: an incomplete screening cannot be used to book a treatment.";
      }
      var label = shown.label;
      if (result.outcome === "incomplete") {
        var count = (result.missing || []).length;
        label = "Incomplete: " + count + " question" + (count === 1 ? "" : "s") + " unanswered";
      } else if (result.outcome === "defer" && result.eligible_from) {
        label = "Defer until " + longDate(result.eligible_from);
      }
      showOutcome(result.outcome, shown.tone, shown.icon, label, detail);
      showMissing(result.missing || []);
      showFindings(result.findings || []);
    }

    function showProblems(body) {
      clearLiveErrors();
      var fields = (body && body.fields) || {};
      var items = [];
      Object.keys(fields).forEach(function (key) {
        var messages = fields[key].join(" ");
        if (key.indexOf("answers.") === 0) {
          var code = key.slice("answers.".length);
          markError(byCode[code], "q--error");
          items.push(el("li", {}, [jumpLink(code, shorten(questionText(code), 70)), ": " + messages]));
        } else if (key === "planned_date") {
          var input = form.elements.planned_date;
          markError(input && input.closest(".field"), "field--error");
          items.push(el("li", {}, [el("a", { href: "#" + (input ? input.id : ""), text: "Planned treatment date" }), ": " + messages]));
        } else {
          items.push(el("li", { text: messages }));
        }
      });
      showOutcome("invalid", "danger", "!", "Check the answers", (body && body.detail) || "Some answers are not valid.");
      replace("problems", JSON.stringify(fields), function () {
        return items.length ? [el("ul", { class: "live-problems" }, items)] : [];
      });
      showMissing([]);
      showFindings([]);
    }

    function showUnavailable() {
      showOutcome("unavailable", "neutral", "…", "No live result", "The outcome is worked out when you save the screening.");
    }

    var timer = null;
    var sequence = 0;
    var controller = null;

    function evaluate() {
      var planned = form.elements.planned_date ? form.elements.planned_date.value : "";
      if (!planned) {
        showProblems({ detail: "Enter the planned treatment date.", fields: {} });
        return;
      }
      var mine = ++sequence;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      panel.setAttribute("aria-busy", "true");
      var token = (window.clinic && window.clinic.csrfToken()) ||
        (form.elements.csrfmiddlewaretoken && form.elements.csrfmiddlewaretoken.value) || "";
      fetch(config.endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": token,
          "X-Clinic": String(config.clinic),
        },
        body: JSON.stringify({ client: config.client, planned_date: planned, answers: answers() }),
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.json().then(function (body) { return { status: response.status, body: body }; });
        })
        .then(function (reply) {
          if (mine !== sequence) return;
          panel.removeAttribute("aria-busy");
          if (reply.status === 200) showResult(reply.body);
          else if (reply.status === 400) showProblems(reply.body);
          else showUnavailable();
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          if (mine !== sequence) return;
          panel.removeAttribute("aria-busy");
          showUnavailable();
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(evaluate, DEBOUNCE_MS);
    }

    // A date and "never" exclude each other: the latest one entered wins.
    function keepDateOrNever(target) {
      var name = target.name || "";
      if (target.type === "checkbox" && name.indexOf("never-") === 0 && target.checked) {
        var day = form.elements["q-" + name.slice("never-".length)];
        if (day) day.value = "";
      } else if (target.type === "date" && name.indexOf("q-") === 0 && target.value) {
        var never = form.elements["never-" + name.slice("q-".length)];
        if (never) never.checked = false;
      }
    }

    form.addEventListener("input", function (event) { keepDateOrNever(event.target); schedule(); });
    form.addEventListener("change", function (event) { keepDateOrNever(event.target); schedule(); });
    evaluate();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
