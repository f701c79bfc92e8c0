// Client-side routing over the public API; French by default, English by a remembered switch.
import { ApiError } from "./api.js";
import { showBooking } from "./bookingpage.js";
import { showCatalogue } from "./catalogue.js";
import { showCertificateCheck } from "./certificatecheck.js";
import { h, render, navigate } from "./dom.js";
import { showGuide } from "./guide.js";
import { currentLang, loadTexts, setLang, t } from "./i18n.js";
import { recallToken } from "./tokens.js";
import { showItinerary } from "./itinerary.js";
import { showFind, showVisit } from "./links.js";
import { showMyBookings, showSignIn } from "./mybookings.js";
import { showNotFound } from "./notfound.js";
import { showMap } from "./publicmap.js";
import { showRegistration } from "./participants.js";
import { showQuote } from "./quotepage.js";

function translateShell() {
  document.documentElement.lang = currentLang();
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const button = document.getElementById("lang-switch");
  button.textContent = t("switchTo");
  button.setAttribute("aria-label", t("switchLabel"));
  button.lang = currentLang() === "fr" ? "en" : "fr";
  // The footer's legal links: the server writes both languages, the reader's is shown.
  document.querySelectorAll("[data-footer-lang]").forEach((list) => { list.hidden = list.dataset.footerLang !== currentLang(); });
  document.querySelectorAll("[data-i18n-label]").forEach((el) => { el.setAttribute("aria-label", t(el.dataset.i18nLabel)); });
}

async function route() {
  translateShell();
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  try {
    let match;
    if ((match = path.match(/^\/itineraries\/([-a-z0-9]+)\/?$/))) await showItinerary(match[1]);
    else if (/^\/bookings\/find\/?$/.test(path)) showFind();
    else if (/^\/my-bookings\/sign-in\/?$/.test(path)) showSignIn(params.get("token"));
    else if (/^\/my-bookings\/?$/.test(path)) await showMyBookings(params);
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/register\/?$/))) await showRegistration(match[1], params.get("token"));
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/visit\/?$/))) await showVisit(match[1], params.get("token"));
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/?$/))) {
      await showBooking(match[1], params.get("token") || recallToken(match[1]));
    }
    else if ((match = path.match(/^\/quotes\/(D[0-9]{4}-[0-9]{6})\/?$/))) await showQuote(match[1], params.get("token"));
    else if (path.startsWith("/guide")) await showGuide();
    else if (/^\/map\/?$/.test(path)) await showMap(params);
    else if ((match = path.match(/^\/certificates(?:\/([A-Za-z0-9-]{1,40}))?\/?$/))) await showCertificateCheck(match[1]);
    else if (path === "/" || path === "") await showCatalogue();
    else showNotFound();
    const heading = document.querySelector("#main h1");
    if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) { showNotFound(); return; }
    const message = error instanceof ApiError ? error.message : String(error);
    render(h("h1", {}, "Voyages apprenants"), h("p", { class: "alert", role: "alert" }, t("error", { msg: message })));
  }
}

document.getElementById("lang-switch").addEventListener("click", async () => {
  const next = currentLang() === "fr" ? "en" : "fr";
  await loadTexts(next);
  setLang(next);
  route();
});
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (link && !event.metaKey && !event.ctrlKey) { event.preventDefault(); navigate(link.getAttribute("href")); }
});
window.addEventListener("popstate", route);
window.addEventListener("va:navigate", () => { window.scrollTo(0, 0); route(); });
await loadTexts();
route();
