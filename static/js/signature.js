// Signature pad for the consent capture screen. Pointer events cover a finger, a stylus
// and the mouse alike. The drawing is written as a PNG data URL into the hidden
// "signature" field after every stroke; the submit button stays disabled until a
// signature is drawn and the name is typed. The server checks everything again.
(function () {
  "use strict";

  var INK = "#111111";
  var PAPER = "#ffffff";
  var LINE_WIDTH = 2.5; // CSS pixels
  var MIN_INK = 25; // CSS pixels of stroke before it counts as a signature

  function init(pad) {
    var form = pad.closest("form");
    var canvas = pad.querySelector("[data-signature-canvas]");
    var clearButton = pad.querySelector("[data-signature-clear]");
    var status = pad.querySelector("[data-signature-status]");
    var output = form && form.querySelector("[data-signature-value]");
    var submit = form && form.querySelector("[data-signature-submit]");
    var nameInput = form && form.elements.typed_name;
    if (!canvas || !canvas.getContext || !output || !submit) return;
    var context = canvas.getContext("2d");
    var ink = 0;
    var drawing = false;
    var last = null;

    // The backing store matches the displayed size (capped at 2x), so strokes are sharp
    // and the PNG stays small.
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    var box = canvas.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) {
      canvas.width = Math.round(box.width * ratio);
      canvas.height = Math.round(box.height * ratio);
    }

    function scale() {
      var rect = canvas.getBoundingClientRect();
      return rect.width ? canvas.width / rect.width : 1;
    }

    function paper() {
      context.fillStyle = PAPER;
      context.fillRect(0, 0, canvas.width, canvas.height);
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      var factor = scale();
      return { x: (event.clientX - rect.left) * factor, y: (event.clientY - rect.top) * factor };
    }

    function signed() {
      return ink >= MIN_INK;
    }

    function update(message) {
      var named = nameInput ? nameInput.value.trim() !== "" : true;
      submit.disabled = !(signed() && named);
      if (message) status.textContent = message;
      else status.textContent = signed() ? "Signature drawn." : "Not signed yet.";
    }

    function stroke(from, to) {
      var factor = scale();
      context.strokeStyle = INK;
      context.lineWidth = LINE_WIDTH * factor;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.beginPath();
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
      ink += Math.sqrt(Math.pow(to.x - from.x, 2) + Math.pow(to.y - from.y, 2)) / factor;
    }

    function save() {
      output.value = signed() ? canvas.toDataURL("image/png") : "";
    }

    canvas.addEventListener("pointerdown", function (event) {
      if (event.pointerType === "mouse" && event.button !== 0) return;
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      stroke(last, { x: last.x + 0.1, y: last.y + 0.1 });
    });

    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      if (!events.length) events = [event];
      events.forEach(function (each) {
        var next = point(each);
        stroke(last, next);
        last = next;
      });
    });

    function finish(event) {
      if (!drawing) return;
      drawing = false;
      if (canvas.releasePointerCapture && canvas.hasPointerCapture && canvas.hasPointerCapture(event.pointerId)) {
        canvas.releasePointerCapture(event.pointerId);
      }
      save();
      update();
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    // Stop the page scrolling or zooming under a finger while signing.
    canvas.addEventListener("touchstart", function (event) { event.preventDefault(); }, { passive: false });

    clearButton.addEventListener("click", function () {
      paper();
      ink = 0;
      save();
      update("Signature cleared. Sign again in the box.");
    });

    if (nameInput) nameInput.addEventListener("input", function () { update(); });
    form.addEventListener("submit", function (event) {
      if (submit.disabled) event.preventDefault();
    });

    paper();
    // After a server-side error (say, a typo in the name) the page comes back with the
    // signature already drawn: show it again rather than asking for a new one.
    if (output.value.indexOf("data:image/png;base64,") === 0) {
      var image = new Image();
      image.onload = function () {
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        ink = MIN_INK;
        save();
        update();
      };
      image.onerror = function () { output.value = ""; update(); };
      image.src = output.value;
    }
    update();
  }

  function start() {
    document.querySelectorAll("[data-signature-pad]").forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
