// The assessment page: keyboard shortcuts and the same completeness rule as the server.
// Each input names its key (data-key); fields an illegal verdict needs carry
// data-required-when; the messages are the server's (data-field paragraphs). The form works
// the same without this script: the server refuses an incomplete verdict with these messages.
(function () {
  "use strict";
  var form = document.getElementById("assessment-form");
  if (!form) return;

  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function value(name) {
    var input = form.elements.namedItem(name);
    if (!input) return "";
    if (input.type === "checkbox") return input.checked ? "on" : "";
    return input.value || checked(name);
  }

  function show(field, on) {
    var message = document.getElementById(field + "-missing");
    if (message) message.hidden = !on;
    var inputs = form.querySelectorAll('[name="' + field + '"]');
    for (var i = 0; i < inputs.length; i++) {
      if (on) {
        inputs[i].setAttribute("aria-invalid", "true");
        inputs[i].setAttribute("aria-describedby", field + "-missing");
      } else {
        inputs[i].removeAttribute("aria-invalid");
        inputs[i].removeAttribute("aria-describedby");
      }
    }
  }

  // What is missing, in the order of the form (the rule of AssessmentForm.clean).
  function missing() {
    var absent = [];
    var legality = checked("legality");
    if (!legality) absent.push("legality");
    var required = form.querySelectorAll("[data-required-when]");
    var seen = {};
    for (var i = 0; i < required.length; i++) {
      var name = required[i].name;
      if (seen[name]) continue;
      seen[name] = true;
      var when = required[i].getAttribute("data-required-when").split(" ");
      if (when.indexOf(legality) !== -1 && !value(name)) absent.push(name);
    }
    if (value("payment_method").trim() && !value("commercial")) absent.push("commercial");
    return absent;
  }

  function validate() {
    var fields = ["legality", "severity", "age_group", "commercial"];
    var absent = missing();
    for (var i = 0; i < fields.length; i++) show(fields[i], absent.indexOf(fields[i]) !== -1);
    if (absent.length) {
      var first = form.querySelector('[name="' + absent[0] + '"]');
      if (first) first.focus();
      return false;
    }
    return true;
  }

  form.addEventListener("submit", function (event) {
    if (!validate()) event.preventDefault();
  });
  form.addEventListener("change", function () {
    var absent = missing();
    var shown = form.querySelectorAll(".client-error:not([hidden])");
    for (var i = 0; i < shown.length; i++) {
      var field = shown[i].getAttribute("data-field");
      if (absent.indexOf(field) === -1) show(field, false);
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && ((target.tagName === "INPUT" && target.type !== "radio" && target.type !== "checkbox") ||
        target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
    var key = event.key.toLowerCase();
    if (key === "s") {
      event.preventDefault();
      if (validate()) form.submit();
      return;
    }
    var radio = form.querySelector('input[type="radio"][data-key="' + key + '"]');
    if (radio) {
      event.preventDefault();
      radio.checked = true;
      radio.focus();
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
