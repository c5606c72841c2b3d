// Reload the preview page when the server says a new render is there (server-sent events).
"use strict";
const shown = document.body.dataset.generation || "0";
const source = new EventSource(`/events?since=${encodeURIComponent(shown)}`);
source.addEventListener("reload", () => location.reload());
