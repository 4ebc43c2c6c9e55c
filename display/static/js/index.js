// @ts-check
// The list of pages.

import { Api, $ } from "./common.js";
import { loadCatalogs, languageButtons, onLanguageChange, localized } from "./i18n.js";

await loadCatalogs("index");
languageButtons($("#languages"));
/** @type {import('./messages.js').Centre} */
const centre = await new Api().get("/api/v1/centre");
const render = () => ($("#centre-name").textContent = localized(centre.name));
onLanguageChange(render);
render();
