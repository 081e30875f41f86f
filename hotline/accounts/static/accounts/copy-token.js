// Copies the token shown once on the page to the clipboard. Without JavaScript the token is
// still selectable text; the button only saves a triple-click.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("copy-token");
  var token = document.getElementById("token");
  if (!button || !token || !navigator.clipboard) {
    if (button) { button.hidden = true; }
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(token.textContent.trim()).then(function () {
      button.textContent = button.dataset.done;
    });
  });
});
