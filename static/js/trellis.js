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

// htmx binds hx-trigger="change" once the document is parsed (its script is deferred,
// and a dashboard's chart script runs first). A field changed before then fired a
// change nobody heard: the page showed the new choice over the old figures. Once htmx
// has processed the page, replay a change for any such field.
(function () {
  "use strict";
  function changed(field) {
    if (field instanceof HTMLSelectElement) {
      var options = Array.prototype.slice.call(field.options);
      if (field.multiple || field.size > 1) {
        return options.some(function (o) { return o.selected !== o.defaultSelected; });
      }
      var chosen = options.filter(function (o) { return o.defaultSelected; }).pop() || options[0];
      return Boolean(chosen) && !chosen.selected;
    }
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
      return field.type !== "hidden" && field.value !== field.defaultValue;
    }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof htmx === "undefined") return;
    document.querySelectorAll("[hx-trigger]").forEach(function (element) {
      if (!/(^|[\s,])change([\s,]|$)/.test(element.getAttribute("hx-trigger"))) return;
      var fields = element.elements ? Array.prototype.slice.call(element.elements) : [element];
      var first = fields.filter(changed)[0];
      if (first) htmx.trigger(first, "change");
    });
  });
})();
