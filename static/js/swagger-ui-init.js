/* Start Swagger UI on /api/docs. flask-smorest's page does this in an inline script, which the
   Content-Security-Policy refuses; templates/swagger_ui.html passes the settings as data. */
window.addEventListener("load", function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = { url: container.getAttribute("data-spec-url"), dom_id: "#swagger-ui-container" };
  Object.assign(config, JSON.parse(container.getAttribute("data-config") || "{}"));
  window.ui = window.SwaggerUIBundle(config);
});
