/* Accessibility fixes of the web book that need the page's DOM (issue 21;
   tests/test_a11y.py audits every page with axe-core, in both themes).
   With no script, a page is as the theme makes it. */
(function () {
  "use strict";

  function fix() {
    // myst-nb's "Show code cell source" toggles: <summary aria-label="Toggle
    // hidden content">, whose name hides the text a reader sees (axe's
    // label-content-name-mismatch, WCAG 2.5.3). Without the label, the name
    // is the visible line: "Show code cell source" or "Hide code cell source".
    document.querySelectorAll('summary[aria-label="Toggle hidden content"]').forEach(function (s) {
      s.removeAttribute("aria-label");
    });

    // An empty header cell (the corner of a table whose first column names
    // its rows) is no header: make it a plain cell (axe's empty-table-header).
    document.querySelectorAll("article th").forEach(function (th) {
      if (th.textContent.trim() || th.getAttribute("aria-label") || th.querySelector("img[alt]")) {
        return;
      }
      var td = document.createElement("td");
      Array.prototype.forEach.call(th.attributes, function (a) { td.setAttribute(a.name, a.value); });
      while (th.firstChild) { td.appendChild(th.firstChild); }
      th.parentNode.replaceChild(td, th);
    });

    // The theme switch shows its mode only as an icon: say it in its name.
    var names = {light: "light", dark: "dark", auto: "system settings"};
    function name() {
      var mode = document.documentElement.dataset.mode || "auto";
      document.querySelectorAll(".theme-switch-button").forEach(function (b) {
        b.setAttribute("aria-label", "Color mode: " + (names[mode] || mode));
      });
    }
    name();
    new MutationObserver(name).observe(document.documentElement,
                                       {attributes: true, attributeFilter: ["data-mode"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
})();
