// Behaviour shared by every page, kept out of the HTML so the Content-Security-Policy
// allows scripts from Trellis's own files only ("script-src 'self'").
(function () {
  "use strict";
  // A read-only field marked data-select-on-focus selects its whole value (copy a link).
  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-select-on-focus")) {
      field.select();
    }
  });
})();
