/* The Print button of report pages: an inline onclick would break the Content-Security-Policy. */
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest("[data-print]")) { window.print(); }
});
