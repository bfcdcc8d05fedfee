/** An HTTP JSON API over a loaded checkpoint: translate, generate, classify; dynamic batching; limits; metrics. */
export { type RunningServer, type ServeOptions, startServer } from "./server.js";
export { DEFAULT_LIMITS, type ServeLimits, resolveLimits } from "./limits.js";
export { readApiKeyFile } from "./auth.js";
export { jsonNameOf } from "./names.js";
