/* A contents bar as tabs: <nav data-tabs> holds links to the page's sections
   (".tab-panel" elements with those ids). One section is shown at a time, the one
   named in the address's #fragment, else the nav's data-query-tab when the address
   has a query (filters applied there), else the first. Without JavaScript every
   section shows and the links jump to them. */
(function () {
  "use strict";

  function setUp(nav) {
    var links = Array.prototype.slice.call(nav.querySelectorAll("a[href^='#']"));
    var panels = links
      .map(function (link) { return document.getElementById(link.hash.slice(1)); })
      .filter(function (panel) { return panel !== null; });
    if (!panels.length) return;

    function show(id, focus) {
      var target = panels.filter(function (p) { return p.id === id; })[0] || panels[0];
      panels.forEach(function (panel) { panel.hidden = panel !== target; });
      links.forEach(function (link) {
        if (link.hash.slice(1) === target.id) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      });
      if (focus) {
        target.setAttribute("tabindex", "-1");
        target.focus({ preventScroll: true });
      }
    }

    function initial() {
      var wanted = window.location.hash.slice(1);
      if (!wanted && window.location.search && nav.dataset.queryTab) wanted = nav.dataset.queryTab;
      return wanted;
    }

    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var id = link.hash.slice(1);
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", window.location.pathname + window.location.search + "#" + id);
        }
        show(id, true);
      });
    });
    window.addEventListener("hashchange", function () { show(window.location.hash.slice(1), false); });
    nav.classList.add("tabs-ready");
    show(initial(), false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("nav[data-tabs]").forEach(setUp);
  });
})();
