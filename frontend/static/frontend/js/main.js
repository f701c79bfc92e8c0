// Client-side routing over the public API; French by default, English by a remembered switch.
import { ApiError } from "./api.js";
import { h, render, navigate } from "./dom.js";
import { currentLang, loadTexts, setLang, t } from "./i18n.js";
import { recallToken } from "./tokens.js";
import { showNotFound } from "./notfound.js";

// Each page is a module of its own, imported when its route opens: the shell names their
// hashed addresses (va-pages) and preloads the one it serves (frontend/urls.py).
function page(name) {
  const url = document.querySelector('meta[name="va-pages"]')?.dataset[name];
  return import(url || new URL(`./${name}.js`, import.meta.url).href);
}

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
    if ((match = path.match(/^\/itineraries\/([-a-z0-9]+)\/?$/))) await (await page("itinerary")).showItinerary(match[1]);
    else if (/^\/bookings\/find\/?$/.test(path)) (await page("links")).showFind();
    else if (/^\/my-bookings\/sign-in\/?$/.test(path)) (await page("mybookings")).showSignIn(params.get("token"));
    else if (/^\/my-bookings\/?$/.test(path)) await (await page("mybookings")).showMyBookings(params);
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/register\/?$/))) await (await page("participants")).showRegistration(match[1], params.get("token"));
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/visit\/?$/))) await (await page("links")).showVisit(match[1], params.get("token"));
    else if ((match = path.match(/^\/bookings\/(VA-[A-Z0-9]{6})\/?$/))) {
      await (await page("bookingpage")).showBooking(match[1], params.get("token") || recallToken(match[1]));
    }
    else if ((match = path.match(/^\/quotes\/(D[0-9]{4}-[0-9]{6})\/?$/))) await (await page("quotepage")).showQuote(match[1], params.get("token"));
    else if (path.startsWith("/guide")) await (await page("guide")).showGuide();
    else if (/^\/map\/?$/.test(path)) await (await page("publicmap")).showMap(params);
    else if ((match = path.match(/^\/certificates(?:\/([A-Za-z0-9-]{1,40}))?\/?$/))) await (await page("certificatecheck")).showCertificateCheck(match[1]);
    else if (path === "/" || path === "") await (await page("catalogue")).showCatalogue();
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
