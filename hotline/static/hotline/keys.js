// One-key actions on staff pages: the first button or link in the page whose data-key is the
// key pressed is clicked (the queue's "next item", the four-eyes page's confirm and return).
// Nothing happens while a person types in a field; the buttons work the same without this.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
        target.tagName === "SELECT" || target.isContentEditable)) return;
    var key = event.key.toLowerCase();
    if (!/^[a-z]$/.test(key)) return;
    var control = document.querySelector('button[data-key="' + key + '"], a[data-key="' + key + '"]');
    if (!control) return;
    event.preventDefault();
    control.click();
  });
})();
