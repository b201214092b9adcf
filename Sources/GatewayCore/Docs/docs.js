// Starts Swagger UI on GET /docs, rendering this gateway's /openapi.json. A file of its own, not
// an inline script, so that the page's Content-Security-Policy can refuse every inline script.
//
// "Authorize" takes a Supabase access token (the document's bearer scheme) and keeps it in this
// tab's memory only (persistAuthorization off: no token in localStorage). "Try it out" is on
// for every operation; a streaming call is made by choosing text/event-stream as the response
// media type, and its events show once the stream ends. validatorUrl null: the document is
// never sent to swagger.io's validator (nor anywhere else).
"use strict";

window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});
