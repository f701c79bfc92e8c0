// "My bookings" (docs/architecture.md, "My bookings"): a contact signs in by a one-time link
// e-mailed to its address and sees every booking made with it. The session is an HttpOnly
// cookie this script never sees; the organiser link of a booking is asked for when it is opened.
import { api, ApiError } from "./api.js";
import { h, render, navigate } from "./dom.js";
import { dateTime, money } from "./format.js";
import { t } from "./i18n.js";
import { rememberToken } from "./tokens.js";

const ENDED = ["cancelled", "declined", "expired"];

// /my-bookings: the list when signed in, the sign-in form otherwise.
export async function showMyBookings(params) {
  document.title = `${t("myBookingsTitle")} — Voyages apprenants`;
  let session;
  try {
    session = await api("my-bookings/session/");
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) { showSignInForm(); return; }
    throw error;
  }
  const page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  const list = await api(`my-bookings/?page=${page}`);
  renderList(session, list, page);
}

function showSignInForm() {
  const status = h("p", { id: "signin-status", role: "status" });
  const mailError = h("p", { class: "field-error", id: "signin-email-error" });
  const email = h("input", { id: "signin-email", name: "email", type: "email", required: true, autocomplete: "email", "aria-describedby": "signin-email-error", "aria-required": "true" });
  const form = h("form", { id: "signin-form", novalidate: true },
    h("p", {}, h("label", { for: "signin-email" }, t("signInEmail")), email, mailError),
    h("p", {}, h("button", { type: "submit", class: "primary" }, t("signInSend"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.textContent = mailError.textContent = "";
    status.className = "";
    email.removeAttribute("aria-invalid");
    try {
      const answer = await api("my-bookings/sign-in/", { method: "POST", body: { email: email.value.trim() } });
      status.textContent = answer.detail;
      status.className = "notice";
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const row = e.errors.find((error) => error.field === "email");
      if (row) { mailError.textContent = row.message; email.setAttribute("aria-invalid", "true"); email.focus(); }
      else { status.textContent = e.message; status.className = "alert"; }
    }
  });
  render(h("h1", {}, t("myBookingsTitle")), h("p", {}, t("signInIntro")), form, status,
    h("p", { class: "hint" }, t("signInOneBooking"), " ", h("a", { href: "/bookings/find", "data-link": true }, t("findBooking"))));
}

function renderList(session, list, page) {
  const upcoming = list.results.filter((row) => !row.is_past);
  const past = list.results.filter((row) => row.is_past);
  const signOut = h("button", { type: "button", id: "signout" }, t("signOut"));
  signOut.addEventListener("click", async () => {
    await api("my-bookings/session/", { method: "DELETE" });
    navigate("/my-bookings");
  });
  const pager = list.count > list.results.length
    ? h("nav", { class: "pager inline-form", "aria-label": t("pages") },
      list.previous ? h("a", { class: "button", href: `/my-bookings?page=${page - 1}`, "data-link": true, rel: "prev" }, t("previousPage")) : null,
      h("span", {}, t("pageOf", { page, pages: Math.ceil(list.count / 20) })),
      list.next ? h("a", { class: "button", href: `/my-bookings?page=${page + 1}`, "data-link": true, rel: "next" }, t("nextPage")) : null)
    : null;
  render(
    h("h1", {}, t("myBookingsTitle")),
    h("p", { class: "inline-form signed-in" }, h("span", { id: "signed-in-as" }, t("signedInAs", { email: session.email })), signOut),
    list.count === 0 ? h("p", { id: "no-bookings" }, t("noBookings")) : null,
    upcoming.length ? section("upcoming-title", t("upcomingBookings"), upcoming) : null,
    past.length ? section("past-title", t("pastBookings"), past) : null,
    pager);
}

function section(id, title, rows) {
  return h("section", { "aria-labelledby": id },
    h("h2", { id }, title),
    h("ul", { class: "cards my-bookings" }, rows.map(card)));
}

function card(row) {
  const error = h("p", { class: "alert", role: "alert" });
  const open = h("button", { type: "button", class: "primary", "aria-label": t("openBookingNamed", { ref: row.reference }) }, t("openBooking"));
  open.addEventListener("click", async () => {
    error.textContent = "";
    try {
      const link = await api(`my-bookings/${row.reference}/organiser-link/`, { method: "POST" });
      rememberToken(link.reference, link.token); // the page opens without the secret in its address
      navigate(`/bookings/${link.reference}`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      error.textContent = e.message;
    }
  });
  return h("li", { class: `card status-${row.status}`, dataset: { reference: row.reference } },
    h("h3", {}, row.itinerary.title),
    h("p", {}, h("strong", {}, row.reference), " · ", row.organisation),
    h("p", {}, dateTime(row.starts_at)),
    h("p", {}, t("headcount", { n: row.participants })),
    h("p", { class: ENDED.includes(row.status) ? "alert" : "" }, t("status"), t("colon"), t(`st_${row.status}`)),
    h("p", { class: "price" }, money(row.total_cents)),
    h("p", {}, open),
    error);
}

// /my-bookings/sign-in?token=…: the e-mailed link. The token leaves the address bar at once;
// the session opens only when the person presses the button, so a mail scanner that follows
// links does not use up the one-time link.
let pendingToken = null;

export function showSignIn(fromAddress) {
  document.title = `${t("myBookingsTitle")} — Voyages apprenants`;
  if (fromAddress) {
    pendingToken = fromAddress; // kept for a re-render (the language switch), never stored
    history.replaceState({}, "", "/my-bookings/sign-in");
  }
  const token = pendingToken;
  const status = h("p", { id: "signin-open-status", role: "status" });
  const button = h("button", { type: "button", class: "primary", id: "signin-open" }, t("signInOpen"));
  button.addEventListener("click", async () => {
    status.textContent = "";
    button.disabled = true;
    try {
      await api("my-bookings/session/", { method: "POST", body: { token } });
      pendingToken = null;
      navigate("/my-bookings");
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      button.disabled = false;
      status.className = "alert";
      status.replaceChildren(e.message, " ", h("a", { href: "/my-bookings", "data-link": true }, t("signInAgain")));
    }
  });
  render(h("h1", {}, t("myBookingsTitle")),
    token ? h("p", {}, t("signInReady")) : h("p", { class: "alert" }, t("signInNoToken")),
    token ? h("p", {}, button) : h("p", {}, h("a", { href: "/my-bookings", "data-link": true }, t("signInAgain"))),
    status);
}
