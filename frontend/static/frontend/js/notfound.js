// The page for an address the app does not know, or an itinerary that is gone: a way back.
import { h, render, navigate } from "./dom.js";
import { t } from "./i18n.js";

export function showNotFound() {
  document.title = `${t("notFoundTitle")} — Voyages apprenants`;
  render(h("section", { class: "not-found" },
    h("h1", {}, t("notFoundTitle")),
    h("p", {}, t("notFoundText")),
    h("p", {}, h("a", { class: "button primary", href: "/", onclick: (e) => { e.preventDefault(); navigate("/"); } }, t("backToCatalogue")))));
}
