// Keyboard shortcuts on the assessment page; the form works the same without them.
(function () {
  "use strict";
  var keys = { b: "baseline", n: "national", d: "doubtful", x: "not_illegal" };
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" && target.type !== "radio" && target.type !== "checkbox" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
    var key = event.key.toLowerCase();
    var form = document.getElementById("assessment-form");
    if (!form) return;
    if (keys[key]) {
      var radio = form.querySelector('input[name="legality"][value="' + keys[key] + '"]');
      if (radio) { radio.checked = true; radio.focus(); event.preventDefault(); }
    } else if (key === "s") {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
