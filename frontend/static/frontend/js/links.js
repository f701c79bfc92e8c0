// The booking's links (docs/architecture.md, "The booking's links"): keep the organiser's
// secret link, share the participants' read-only one, find a lost booking, and the
// participants' page itself.
import { api, ApiError } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateTime, time } from "./format.js";
import { t } from "./i18n.js";

// On the organiser's page: say plainly that this link is the booking, and how to find it again.
export function keepLinkSection() {
  return h("section", { class: "keep-link", "aria-labelledby": "keep-title" },
    h("h2", { id: "keep-title" }, t("keepLinkTitle")),
    h("p", {}, t("keepLinkText")),
    h("p", { class: "hint" }, t("keepLinkLost"), " ", h("a", { href: "/bookings/find", "data-link": true }, t("findBooking"))));
}

// On the organiser's page: the read-only link to hand to the participants.
export function shareSection(booking) {
  const url = booking.links && booking.links.participants;
  if (!url) return null;
  const field = h("input", { id: "participants-link", type: "text", readonly: true, value: url, "aria-describedby": "share-help" });
  const copy = h("button", { type: "button", id: "participants-copy", onclick: async () => {
    field.select();
    try { await navigator.clipboard.writeText(url); announce(t("shareCopied")); } catch { /* selected: copy by hand */ }
  } }, t("shareCopy"));
  return h("section", { class: "share-link", "aria-labelledby": "share-title" },
    h("h2", { id: "share-title" }, t("shareTitle")),
    h("p", { id: "share-help" }, t("shareText")),
    h("label", { for: "participants-link" }, t("shareLabel")),
    h("div", { class: "inline-form share-row" }, field, copy));
}

// "Find my booking": the same answer whether or not the reference and the e-mail match.
export function showFind() {
  document.title = `${t("findTitle")} — Voyages apprenants`;
  const status = h("p", { id: "find-status", role: "status" });
  const refError = h("p", { class: "field-error", id: "find-reference-error" });
  const mailError = h("p", { class: "field-error", id: "find-email-error" });
  const reference = h("input", { id: "find-reference", name: "reference", required: true, autocomplete: "off", placeholder: "VA-XXXXXX", "aria-describedby": "find-reference-error", "aria-required": "true" });
  const email = h("input", { id: "find-email", name: "email", type: "email", required: true, autocomplete: "email", "aria-describedby": "find-email-error", "aria-required": "true" });
  const form = h("form", { id: "find-form", novalidate: true },
    h("p", {}, h("label", { for: "find-reference" }, t("findReference")), reference, refError),
    h("p", {}, h("label", { for: "find-email" }, t("findEmail")), email, mailError),
    h("p", {}, h("button", { type: "submit", class: "primary" }, t("findSend"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = refError.textContent = mailError.textContent = "";
    try {
      const answer = await api("bookings/find/", { method: "POST", body: { reference: reference.value.trim().toUpperCase(), email: email.value.trim() } });
      status.textContent = answer.detail;
      status.className = "notice";
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const errors = { reference: refError, email: mailError };
      let shown = false;
      for (const row of e.errors) {
        if (errors[row.field]) { errors[row.field].textContent = row.message; shown = true; }
      }
      if (!shown) { status.textContent = e.message; status.className = "alert"; }
      (errors[e.errors[0]?.field] === mailError ? email : reference).focus();
    }
  });
  render(h("h1", {}, t("findTitle")), h("p", {}, t("findIntro")), form, status,
    h("p", { class: "hint" }, t("findAll"), " ", h("a", { href: "/my-bookings", "data-link": true, id: "find-my-bookings" }, t("myBookingsTitle"))));
}

// The participants' page: the visit, its programme and calendar; nothing to change.
export async function showVisit(reference, token) {
  let visit;
  try {
    visit = await api(`bookings/${reference}/visit/`, { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render(h("h1", {}, t("visitTitle")), h("p", { class: "alert" }, t("notFound")));
      return;
    }
    throw error;
  }
  document.title = `${visit.title} — Voyages apprenants`;
  const cancelled = !["requested", "pending_payment", "confirmed"].includes(visit.status);
  const map = visit.meeting_site
    ? `https://www.openstreetmap.org/?mlat=${visit.meeting_site.latitude}&mlon=${visit.meeting_site.longitude}#map=17/${visit.meeting_site.latitude}/${visit.meeting_site.longitude}`
    : null;
  render(
    h("h1", {}, visit.title),
    h("p", { class: "hint" }, t("visitReadOnly", { ref: visit.reference })),
    cancelled ? h("p", { class: "alert", role: "alert" }, t("visitCancelled")) : null,
    h("section", { "aria-labelledby": "visit-when" },
      h("h2", { id: "visit-when" }, t("visitWhen")),
      h("p", { id: "visit-start" }, dateTime(visit.starts_at)),
      h("p", {}, h("strong", {}, t("visitMeeting")), " ", visit.meeting_point),
      map ? h("p", {}, h("a", { href: map, rel: "noopener noreferrer" }, t("visitMap"))) : null),
    h("section", { "aria-labelledby": "visit-stops" },
      h("h2", { id: "visit-stops" }, t("programme")),
      h("ol", { class: "timetable" }, visit.stops.map((stop) => h("li", {},
        h("strong", {}, `${time(stop.starts_at)}–${time(stop.ends_at)}`), " ", stop.title, " — ", stop.site)))),
    h("section", { "aria-labelledby": "visit-docs" },
      h("h2", { id: "visit-docs" }, t("documents")),
      h("ul", { class: "links" },
        h("li", {}, h("a", { href: visit.links.programme }, t("programmePdf"))),
        h("li", {}, h("a", { href: visit.links.calendar, download: `${visit.reference}.ics` }, t("addCalendar"))))));
}

