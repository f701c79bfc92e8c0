// The group's booking page: status, hold countdown, price and payments, documents, change, cancel.
import { api, ApiError } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateTime, money } from "./format.js";
import { t } from "./i18n.js";
import { personalDataSection } from "./personaldata.js";

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
  const price = booking.price;
  const live = ["requested", "pending_payment", "confirmed"].includes(booking.status);
  const hold = h("p", { class: "hold", id: "hold" });
  if (booking.hold_expires_at && live && booking.status !== "confirmed") startCountdown(hold, booking.hold_expires_at);
  const paid = booking.amount_paid_cents || 0;
  const webcal = booking.links.calendar.replace(/^https?:/, "webcal:");
  render(
    h("h1", {}, t("bookingTitle", { ref: booking.reference })),
    h("section", { class: `status status-${booking.status}`, "aria-labelledby": "status-title" },
      h("h2", { id: "status-title" }, t("status"), " : ", h("span", { id: "status" }, t(`st_${booking.status}`))),
      t(`next_${booking.status}`) !== `next_${booking.status}` ? h("p", {}, t(`next_${booking.status}`)) : null,
      hold,
      booking.status === "pending_payment" && booking.checkout_url
        ? h("p", {}, h("a", { class: "button primary", href: booking.checkout_url }, t("payNow"))) : null,
      balanceButton(booking, token)),
    h("section", { "aria-labelledby": "visit-title" },
      h("h2", { id: "visit-title" }, t("visit")),
      h("p", {}, h("strong", {}, booking.departure.title)),
      h("p", {}, dateTime(booking.departure.starts_at)),
      h("p", {}, booking.departure.meeting_point),
      h("p", { id: "participants" }, `${booking.participants} ${t("participants").toLowerCase()} · ${booking.organisation.name}`)),
    h("section", { "aria-labelledby": "price-title" },
      h("h2", { id: "price-title" }, t("price")),
      h("table", { class: "lines" },
        h("tbody", {}, price.lines.map((line) => h("tr", {},
          h("th", { scope: "row" }, line.label),
          h("td", {}, `${line.quantity} × ${money(line.unit_price_cents)}`),
          h("td", { class: "num" }, money(line.total_excl_vat_cents)))),
        price.vat_breakdown.map((row) => h("tr", {}, h("th", { scope: "row" }, t("vat", { rate: Number(row.vat_rate) })), h("td", {}), h("td", { class: "num" }, money(row.vat_cents))))),
        h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("totalInclVat")), h("td", {}), h("td", { class: "num", id: "total" }, money(price.total_cents))),
          h("tr", {}, h("th", { scope: "row" }, t("paid")), h("td", {}), h("td", { class: "num" }, money(paid))),
          h("tr", {}, h("th", { scope: "row" }, t("due")), h("td", {}), h("td", { class: "num" }, money(Math.max(price.total_cents - paid, 0))))))),
    h("section", { "aria-labelledby": "docs-title" },
      h("h2", { id: "docs-title" }, t("documents")),
      h("ul", { class: "links" },
        h("li", {}, h("a", { href: booking.links.programme }, t("programmePdf"))),
        h("li", {}, h("a", { href: booking.links.calendar, download: `${booking.reference}.ics` }, t("addCalendar"))),
        h("li", {}, h("a", { href: webcal }, t("subscribeCalendar"))))),
    live ? changeSection(booking, token) : null,
    live ? cancelSection(booking, token) : null,
    personalDataSection(booking, token));
}

function startCountdown(node, until) {
  const tick = () => {
    const left = new Date(until) - Date.now();
    if (left <= 0) { node.textContent = t("holdOver"); clearInterval(countdown); return; }
    const minutes = Math.floor(left / 60000);
    const text = minutes >= 1440 ? `${Math.floor(minutes / 1440)} j ${Math.floor((minutes % 1440) / 60)} h`
      : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
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
  const terms = booking.cancellation_terms || { refund_percent: 0, refund_cents: 0 };
  const dialog = h("dialog", { id: "cancel-dialog", "aria-labelledby": "cancel-title" },
    h("h2", { id: "cancel-title" }, t("cancelConfirmTitle")),
    h("p", { id: "cancel-terms" }, t("cancelTerms", { p: terms.refund_percent, amount: money(terms.refund_cents) })),
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
