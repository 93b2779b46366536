/* dlbook: a formula too wide for its column says so (issue 26; the styles are
   in dlbook-ux.css, section 2, and tests/test_web_ux.py checks them).

   A scrolling formula fades at each edge beyond which more of it is hidden:
   the class dlbook-more-right while it can scroll right, dlbook-more-left
   while it can scroll left. Set when MathJax has typeset the page, whenever
   a formula's size changes (a window resized, a dropdown opened) and as the
   reader scrolls it. With no script, the formulas still scroll. */
(function () {
  "use strict";

  var SCROLLERS = 'div.math mjx-container[display="true"], span.math';

  // Pixels of a formula that may stick out unmarked: the overhang of a
  // letter, a rounding.
  var SLACK = 4;

  function mark(el) {
    var more = el.scrollWidth - el.clientWidth;
    el.classList.toggle("dlbook-more-left", more > SLACK && el.scrollLeft > 1);
    el.classList.toggle("dlbook-more-right", more > SLACK && el.scrollLeft < more - 1);
  }

  function watch() {
    var resized = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { mark(entry.target); });
    });
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      mark(el);
      el.addEventListener("scroll", function () { mark(el); }, {passive: true});
      if (resized) { resized.observe(el); }
    });
  }

  function start() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(watch);
    } else {
      watch();
    }
  }

  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
