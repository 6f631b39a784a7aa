/* Draw every Mermaid diagram on the page, and those htmx swaps in later. */
(function () {
  "use strict";
  function draw() {
    if (!window.mermaid) { return; }
    window.mermaid.run({ querySelector: "pre.mermaid:not([data-processed])" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.mermaid) { return; }
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
    draw();
  });
  document.addEventListener("htmx:afterSwap", draw);
})();
