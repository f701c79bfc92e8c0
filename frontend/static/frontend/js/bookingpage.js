// The group's booking page: status, hold countdown, price and payments, documents, change, cancel.
import { api, ApiError } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateLong, dateTime, money } from "./format.js";
import { currentLang, t } from "./i18n.js";
import { personalDataSection } from "./personaldata.js";
import { keepLinkSection, shareSection } from "./links.js";
import { participantsSection } from "./participants.js";
import { certificatesSection } from "./certificates.js";
import { deliverySection } from "./delivery.js";
import { rebookSection } from "./rebook.js";
import { recallToken } from "./tokens.js";

let countdown = null;

export async function showBooking(reference, token) {
  clearInterval(countdown);
  let booking;
  try {
    booking = await api(`bookings/${reference}/`, { token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render(h("h1", {}, t("bookingTitle", { ref: reference })), h("p", { class: "alert" }, t("notFound")));
      return;
    }
    throw error;
  }
  document.title = `${t("bookingTitle", { ref: reference })} — Voyages apprenants`;
  const live = ["requested", "pending_payment", "confirmed"].includes(booking.status);
  const hold = h("p", { class: "hold", id: "hold" });
  if (booking.hold_expires_at && live && booking.status !== "confirmed") startCountdown(hold, booking.hold_expires_at);
  const paid = booking.amount_paid_cents || 0;
  await relabelPrice(booking);
  const webcal = booking.links.calendar.replace(/^https?:/, "webcal:");
  const ended = ["cancelled", "declined", "expired"].includes(booking.status);
  render(
    h("h1", {}, t("bookingTitle", { ref: booking.reference })),
    h("section", { class: `status status-${booking.status}`, "aria-labelledby": "status-title" },
      h("h2", { id: "status-title" }, t("status"), t("colon"), h("span", { id: "status" }, t(`st_${booking.status}`))),
      t(`next_${booking.status}`) !== `next_${booking.status}` ? h("p", {}, t(`next_${booking.status}`)) : null,
      hold,
      booking.status === "pending_payment" && booking.checkout_url
        ? h("p", {}, h("a", { class: "button primary", href: booking.checkout_url }, t("payNow"))) : null,
      balanceButton(booking, token)),
    keepLinkSection(),
    booking.status === "cancelled" ? rebookSection(booking, token) : null,
    ended ? settlementSection(booking) : null,
    h("section", { "aria-labelledby": "visit-title" },
      h("h2", { id: "visit-title" }, t("visit")),
      h("p", {}, h("strong", {}, booking.departure.title)),
      h("p", {}, dateTime(booking.departure.starts_at)),
      h("p", {}, booking.departure.meeting_point),
      goNoGoLine(booking.departure_go_no_go),
      h("p", { id: "participants" }, `${booking.participants} ${t("participants").toLowerCase()} · ${booking.organisation.name}`)),
    booking.companion ? companionSection(booking.companion) : null,
    ended ? null : priceSection(booking, paid),
    // A booking that no longer goes ahead has no programme to follow nor visit to add to a calendar.
    ended ? null : h("section", { "aria-labelledby": "docs-title" },
      h("h2", { id: "docs-title" }, t("documents")),
      h("ul", { class: "links" },
        h("li", {}, h("a", { href: booking.links.programme }, t("programmePdf"))),
        h("li", {}, h("a", { href: booking.links.calendar, download: `${booking.reference}.ics` }, t("addCalendar"))),
        h("li", {}, h("a", { href: webcal }, t("subscribeCalendar"))))),
    deliveriesSection(booking),
    booking.status === "confirmed" ? deliverySection(booking, token) : null,
    live ? certificatesSection(booking, token) : null,
    live ? participantsSection(booking, token) : null,
    live ? shareSection(booking) : null,
    live ? changeSection(booking, token) : null,
    live ? cancelSection(booking, token) : null,
    personalDataSection(booking, token));
}

// The price snapshot's labels are in the booking's language (as on the invoices): a reader in the
// other language sees the visit line from the departure's title (already in theirs) and the
// options by their code from the itinerary. A line without a kind (an old snapshot) keeps its label.
async function relabelPrice(booking) {
  const bookingLang = booking.language === "fr" ? "fr" : "en";
  if (bookingLang === currentLang()) return;
  let names = new Map();
  if (booking.price.lines.some((line) => line.kind === "option")) {
    try {
      const it = await api(`itineraries/${encodeURIComponent(booking.departure.itinerary)}/`);
      names = new Map(it.options.map((o) => [o.code, o.name]));
    } catch { /* an itinerary no longer published: its options keep their labels */ }
  }
  const visit = `${t("lineVisit")}${t("colon")}${booking.departure.title}`;
  for (const line of booking.price.lines) {
    if (line.kind === "visit") line.label = visit;
    else if (line.kind === "visit_minimum") line.label = `${visit} (${t("minimumShort")})`;
    else if (line.kind === "option" && names.has(line.code)) line.label = names.get(line.code);
  }
}

// Two groups on staggered times: the other group's booking, its time and status; its page when
// this browser was given its link on booking (its secret link otherwise travels by e-mail only).
function companionSection(other) {
  const token = recallToken(other.reference);
  const line = t("companionLine", { n: other.participants, when: dateTime(other.starts_at), ref: other.reference, status: t(`st_${other.status}`) });
  return h("section", { id: "companion", "aria-labelledby": "companion-title" },
    h("h2", { id: "companion-title" }, t("companionTitle")),
    h("p", {}, t("companionIntro")),
    h("p", { id: "companion-line" }, line),
    h("p", {}, token
      ? h("a", { id: "companion-link", href: `/bookings/${other.reference}?token=${encodeURIComponent(token)}` }, t("companionOpen", { ref: other.reference }))
      : t("companionByEmail")));
}

function priceSection(booking, paid) {
  const price = booking.price;
  return h("section", { "aria-labelledby": "price-title" },
    h("h2", { id: "price-title" }, t("price")),
    h("table", { class: "lines" },
      h("tbody", {}, price.lines.map((line) => h("tr", {},
        h("th", { scope: "row" }, line.label),
        h("td", {}, `${line.quantity} × ${money(line.unit_price_cents)}`),
        h("td", { class: "num" }, money(line.total_excl_vat_cents)))),
      price.vat_breakdown.map((row) => h("tr", {}, h("th", { scope: "row" }, t("vat", { rate: Number(row.vat_rate) })), h("td", {}), h("td", { class: "num" }, money(row.vat_cents))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("totalInclVat")), h("td", {}), h("td", { class: "num", id: "total" }, money(price.total_cents))),
        h("tr", {}, h("th", { scope: "row" }, t("paid")), h("td", {}), h("td", { class: "num" }, money(paid))),
        h("tr", {}, h("th", { scope: "row" }, t("due")), h("td", {}), h("td", { class: "num" }, money(Math.max(price.total_cents - paid, 0)))))));
}

// What a booking that no longer goes ahead settled: paid, given back (done and in progress),
// and what stays invoiced as the cancellation charge, from the invoices themselves when there are
// some (an invoice booking cancelled before it paid still owes the fee), else from the payments.
function settlementSection(booking) {
  const paid = booking.amount_paid_cents || 0;
  const refunded = booking.amount_refunded_cents || 0;
  const pending = booking.amount_refund_pending_cents || 0;
  const invoiced = booking.invoiced && booking.invoiced.net_cents ? booking.invoiced : null;
  const kept = invoiced ? invoiced.net_cents : Math.max(paid - refunded - pending, 0);
  const due = invoiced ? invoiced.due_cents : 0;
  const row = (label, cents, id) => h("tr", {}, h("th", { scope: "row" }, label), h("td", { class: "num", id }, money(cents)));
  return h("section", { id: "cancel-summary", "aria-labelledby": "settlement-title" },
    h("h2", { id: "settlement-title" }, t("settlement")),
    h("table", { class: "lines" },
      h("tbody", {},
        row(t("bookedTotal"), booking.price.total_cents),
        row(t("paid"), paid),
        row(t("refunded"), refunded, "refunded"),
        pending ? row(t("refundPending"), pending, "refund-pending") : null),
      h("tfoot", {}, row(t("keptInvoiced"), kept, "kept"),
        due ? row(t("invoicedDue"), due, "invoiced-due") : null)),
    h("p", {}, due ? t("invoicedDueNote", { amount: money(due) }) : kept ? t("keptNote") : t("nothingKept")));
}

function startCountdown(node, until) {
  const tick = () => {
    const left = new Date(until) - Date.now();
    if (left <= 0) { node.textContent = t("holdOver"); clearInterval(countdown); return; }
    const minutes = Math.floor(left / 60000);
    const text = minutes >= 1440
      ? t(minutes < 2880 ? "holdDay" : "holdDays", { d: Math.floor(minutes / 1440), h: Math.floor((minutes % 1440) / 60) })
      : t("holdHours", { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, "0") });
    node.textContent = t("holdLeft", { time: text });
  };
  tick();
  countdown = setInterval(tick, 30000);
}

function changeSection(booking, token) {
  const error = h("p", { class: "field-error", id: "change-error" });
  const field = h("input", { id: "change-participants", type: "number", min: 1, value: booking.participants, "aria-describedby": "change-error" });
  const form = h("form", { class: "inline-form" },
    h("label", { for: "change-participants" }, t("participants")), field,
    h("button", { type: "submit" }, t("save")), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await api(`bookings/${booking.reference}/`, { method: "PATCH", token, body: { participants: Number(field.value) } });
      await showBooking(booking.reference, token);
      announce(t("saved"));
    } catch (e) {
      error.textContent = e instanceof ApiError && e.errors[0] ? e.errors[0].message : e.message;
      field.setAttribute("aria-invalid", "true");
      field.focus();
    }
  });
  return h("section", { "aria-labelledby": "change-title" }, h("h2", { id: "change-title" }, t("change")), form);
}

function cancelSection(booking, token) {
  const terms = booking.cancellation_terms || { refund_percent: 0, refund_cents: 0, refundable_cents: 0 };
  // What is kept is the policy's base minus the refund: it stays invoiced as the cancellation fee.
  const fee = Math.max((terms.refundable_cents ?? 0) - terms.refund_cents, 0);
  const dialog = h("dialog", { id: "cancel-dialog", "aria-labelledby": "cancel-title" },
    h("h2", { id: "cancel-title" }, t("cancelConfirmTitle")),
    h("div", { id: "cancel-terms" },
      h("p", {}, t("cancelTerms", { p: terms.refund_percent, amount: money(terms.refund_cents) })),
      h("p", { id: "cancel-fee" }, t("cancelFee", { p: 100 - terms.refund_percent, amount: money(fee) }))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "danger", id: "cancel-confirm", onclick: async () => {
        const result = await api(`bookings/${booking.reference}/cancel/`, { method: "POST", token, body: {}, idempotencyKey: crypto.randomUUID() });
        dialog.close();
        await showBooking(booking.reference, token);
        announce(t("cancelledDone", { amount: money(result.refund_cents) }));
      } }, t("cancelConfirm")),
      h("button", { type: "button", onclick: () => dialog.close() }, t("keep"))));
  return h("section", { "aria-labelledby": "cancel-section-title" },
    h("h2", { id: "cancel-section-title" }, t("cancel")),
    h("button", { type: "button", class: "danger", id: "cancel-open", onclick: () => dialog.showModal() }, t("cancel")),
    dialog);
}

// After a deposit: the balance by card. The checkout endpoint reuses a session still open for
// the same amount, or opens one; the group is then sent to Stripe's page.
function balanceButton(booking, token) {
  const due = booking.amount_due_now;
  if (booking.status !== "confirmed" || booking.payment_method !== "card" || !due || due.amount_cents <= 0) return null;
  const error = h("p", { class: "field-error", role: "alert" });
  const button = h("button", { type: "button", class: "primary", id: "pay-balance", onclick: async () => {
    button.disabled = true;
    error.textContent = "";
    try {
      const checkout = await api(`bookings/${booking.reference}/checkout/`, { method: "POST", token, body: {}, idempotencyKey: crypto.randomUUID() });
      window.location.assign(checkout.checkout_url);
    } catch (exc) {
      button.disabled = false;
      error.textContent = exc instanceof ApiError && exc.status === 503 ? t("payUnavailable") : t("payFailed");
    }
  } }, t("payBalance", { amount: money(due.amount_cents) }));
  return h("div", { class: "pay-balance" }, h("p", {}, button), error);
}

// Where each invoice went and how it stands (einvoicing's ``invoice_deliveries``): by e-mail, or
// deposited in Chorus Pro and followed there until it is paid; a rejection says why.
function deliveriesSection(booking) {
  const rows = booking.invoice_deliveries || [];
  if (!rows.length) return null;
  return h("section", { "aria-labelledby": "deliveries-title", id: "deliveries" },
    h("h2", { id: "deliveries-title" }, t("dlTitle")),
    h("ul", { class: "deliveries" }, rows.map((row) => h("li", { class: `delivery delivery-${row.status}` },
      h("strong", {}, `${t(`dlKind_${row.kind}`)} ${row.invoice}`), ` — ${t(`dlVia_${row.channel}`)}${t("colon")}`,
      h("span", { class: "delivery-status" }, t(`dls_${row.status}`)),
      row.since ? ` (${t("dlSince", { date: dateLong(row.since) })})` : "",
      row.reason ? h("p", { class: "delivery-reason" }, t("dlReason", { reason: row.reason })) : null,
      row.status === "rejected" ? h("p", { class: "hint" }, t("dlRejectedNote")) : null))));
}

// The departure's minimum (visits.answers): still needed and by when, confirmed, or cancelled.
function goNoGoLine(go) {
  if (!go) return null;
  let text;
  if (go.cancelled) text = t("bookingGoCancelled", { min: go.minimum_participants });
  else if (go.confirmed) text = t("bookingGoConfirmed");
  else if (go.participants_needed) text = t("bookingGoNeeds", { n: go.participants_needed, when: dateTime(go.decision_at) });
  else text = t("bookingGoReached", { when: dateTime(go.decision_at) });
  return h("p", { class: `go-no-go${go.cancelled ? " alert" : ""}`, id: "go-no-go" }, text);
}
