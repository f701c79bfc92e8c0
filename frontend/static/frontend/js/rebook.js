// On a booking whose public departure was cancelled (short of its minimum, or by the office):
// the itinerary's other dates with seats for the whole group, each moved to in one step with the
// same details and participants (visits/rebooking.py), or a private date asked for.
import { api, ApiError } from "./api.js";
import { h, navigate } from "./dom.js";
import { dateTime } from "./format.js";
import { t } from "./i18n.js";
import { termsBox } from "./bookingform.js";
import { rememberToken } from "./tokens.js";

export function rebookSection(booking, token) {
  const section = h("section", { id: "rebook-section", "aria-labelledby": "rebook-title", hidden: true });
  load(section, booking, token);
  return section;
}

async function load(section, booking, token) {
  let offer;
  try {
    offer = await api(`bookings/${booking.reference}/rebook/`, { token });
  } catch {
    return; // the rest of the page stands; the e-mail lists the other dates too
  }
  const title = h("h2", { id: "rebook-title" }, t("rbTitle"));
  if (offer.rebooked_as) {
    section.replaceChildren(title, h("p", { id: "rebook-done" }, t("rbDone"), " ",
      h("a", { href: `/bookings/${offer.rebooked_as}`, "data-link": "" }, offer.rebooked_as)));
    section.hidden = false;
    return;
  }
  if (!offer.available) return;
  const privateLink = offer.private_dates
    ? h("p", {}, h("a", { href: `/itineraries/${offer.itinerary}`, "data-link": "", id: "rebook-private" }, t("rbPrivate"))) : null;
  const why = h("p", {}, t(offer.reason === "minimum_not_reached" ? "rbWhyMinimum" : "rbWhyCancelled"));
  if (!offer.departures.length) {
    section.replaceChildren(title, why, h("p", { id: "rebook-none" }, t("rbNone")), privateLink);
    section.hidden = false;
    return;
  }
  const terms = termsBox();
  const status = h("p", { class: "field-error", id: "rebook-error", role: "alert" });
  const choices = h("ul", { class: "links", id: "rebook-dates" }, offer.departures.map((departure) => {
    const button = h("button", { type: "button", class: "primary", "data-departure": departure.id },
      t("rbMove", { when: dateTime(departure.starts_at) }));
    button.addEventListener("click", () => move(booking, token, departure, terms, status, choices));
    return h("li", {}, button, " ", h("span", { class: "hint" }, t("rbSeats", { n: departure.seats_left })));
  }));
  section.replaceChildren(title, why, h("p", {}, t("rbIntro", { n: booking.participants })), terms, choices, status, privateLink);
  section.hidden = false;
}

async function move(booking, token, departure, terms, status, choices) {
  const accepted = terms.querySelector("input[name=terms_version]");
  const termsError = terms.querySelector(".field-error");
  status.textContent = "";
  termsError.textContent = "";
  accepted.removeAttribute("aria-invalid");
  if (!accepted.checked) {
    termsError.textContent = t("termsRequired");
    accepted.setAttribute("aria-invalid", "true");
    accepted.focus();
    return;
  }
  const buttons = choices.querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  try {
    const moved = await api(`bookings/${booking.reference}/rebook/`, {
      method: "POST", token, body: { departure: departure.id, terms_version: accepted.value } });
    rememberToken(moved.reference, moved.token);
    if (moved.checkout_url) { window.location.assign(moved.checkout_url); return; }
    navigate(`/bookings/${moved.reference}?token=${encodeURIComponent(moved.token)}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    status.textContent = error.errors[0]?.message || error.message;
    buttons.forEach((button) => { button.disabled = false; });
  }
}
