// Starts the NHS.UK frontend components (kept out of the page so no inline script is needed).
import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();
