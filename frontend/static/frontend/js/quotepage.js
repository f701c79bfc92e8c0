// The buyer's quote page (procurement), opened from the e-mail's secret link: the quote's lines,
// totals and validity, its PDF, online acceptance (with the signed quote or order attached if
// wished), then the purchase-order and commitment numbers until the invoice is issued.
import { api, ApiError } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateLong, dateTime, money } from "./format.js";
import { t } from "./i18n.js";
import { recallToken, rememberToken } from "./tokens.js";

const KEY = (number) => `va-quote-${number}`;
const MAX_BYTES = 5 * 1024 * 1024; // checked again by the server (QUOTE_UPLOAD_MAX_BYTES)

function remember(number, token) {
  try { sessionStorage.setItem(KEY(number), token); } catch { /* storage off: the link still works */ }
}

function recall(number) {
  try { return sessionStorage.getItem(KEY(number)); } catch { return null; }
}

export async function showQuote(number, given) {
  const token = given || recall(number);
  let quote;
  try {
    quote = await api(`quotes/${number}/`, { headers: token ? { "X-Quote-Token": token } : {} });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render(h("h1", {}, t("quotePageTitle", { number })), h("p", { class: "alert" }, t("quoteNotFound")));
      return;
    }
    throw error;
  }
  remember(number, token);
  document.title = `${t("quotePageTitle", { number })} — Voyages apprenants`;
  const version = quote.versions.find((v) => v.version === quote.version) || quote.versions[quote.versions.length - 1];
  let title = version.itinerary;
  try { title = (await api(`itineraries/${encodeURIComponent(version.itinerary)}/`)).title; } catch { /* unpublished: its code */ }
  const pdf = (v) => `/api/v1/quotes/${number}/quote.pdf?token=${encodeURIComponent(token)}&version=${v}`;
  render(
    h("h1", {}, t("quotePageTitle", { number })),
    statusSection(quote),
    h("section", { "aria-labelledby": "q-visit-title" },
      h("h2", { id: "q-visit-title" }, t("visit")),
      h("p", {}, h("strong", {}, title)),
      h("p", {}, dateTime(version.starts_at)),
      h("p", { id: "q-buyer" }, quote.organisation_name),
      h("ul", { class: "facts" },
        h("li", {}, t("quotePupilsN", { n: version.pupils })),
        h("li", {}, t("quoteAdultsN", { n: version.adults })),
        h("li", {}, t("quoteStaffN", { n: version.staff })),
        version.free_places ? h("li", {}, t("quoteFreeN", { n: version.free_places })) : null)),
    linesSection(quote.price),
    termsSection(version.payment_schedule),
    h("section", { "aria-labelledby": "q-docs-title" },
      h("h2", { id: "q-docs-title" }, t("documents")),
      h("ul", { class: "links" },
        h("li", {}, h("a", { id: "q-pdf", href: pdf(quote.version), download: `${number}-v${quote.version}.pdf` }, t("quotePdf", { v: quote.version }))),
        quote.versions.filter((v) => v.version !== quote.version).map((v) =>
          h("li", {}, h("a", { href: pdf(v.version), download: `${number}-v${v.version}.pdf` }, t("quotePdfOld", { v: v.version })))),
        quote.documents.map((d) => h("li", {},
          h("a", { href: `/api/v1/quotes/${number}/documents/${d.sha256}.pdf?token=${encodeURIComponent(token)}`, download: `${number}-${d.kind}.pdf` }, t(`quoteDoc_${d.kind}`)),
          " — ", dateTime(d.uploaded_at))),
        quote.links.training_agreement ? h("li", {}, h("a", { id: "q-training", href: `${quote.links.training_agreement}?token=${encodeURIComponent(token)}`, download: `${number}-convention.pdf` }, t("trainingAgreement"))) : null,
        quote.links.delivery_certificate ? h("li", {}, h("a", { id: "q-delivery", href: `${quote.links.delivery_certificate}?token=${encodeURIComponent(token)}` }, t("deliveryCertificate"))) : null)),
    quote.status === "sent" ? acceptSection(quote, token) : null,
    quote.status === "accepted" ? orderSection(quote, token) : null);
}

function statusSection(quote) {
  const text = {
    sent: t("quoteOpen", { date: dateTime(quote.valid_until) }),
    expired: t("quoteExpired", { date: dateTime(quote.valid_until) }),
    declined: t("quoteDeclined"),
    accepted: t("quoteAccepted"),
  }[quote.status];
  const bookingToken = quote.booking ? recallToken(quote.booking) : null;
  const look = { sent: "requested", accepted: "confirmed", declined: "declined", expired: "expired" }[quote.status];
  return h("section", { class: `status status-${look}`, "aria-labelledby": "q-status-title" },
    h("h2", { id: "q-status-title" }, t("status"), t("colon"), h("span", { id: "q-status" }, t(`qst_${quote.status}`))),
    h("p", {}, text),
    quote.booking ? h("p", {}, bookingToken
      ? h("a", { id: "q-booking", class: "button primary", href: `/bookings/${quote.booking}?token=${encodeURIComponent(bookingToken)}` }, t("quoteSeeBooking", { ref: quote.booking }))
      : t("quoteBookingByEmail", { ref: quote.booking })) : null);
}

function linesSection(price) {
  return h("section", { "aria-labelledby": "q-price-title" },
    h("h2", { id: "q-price-title" }, t("price")),
    h("div", { class: "table-scroll" }, h("table", { class: "lines" },
      h("tbody", {}, price.lines.map((line) => h("tr", {},
        h("th", { scope: "row" }, line.label),
        h("td", {}, `${line.quantity} × ${money(line.unit_price_cents)}`),
        h("td", { class: "num" }, money(line.total_excl_vat_cents)))),
      price.vat_breakdown.map((row) => h("tr", {}, h("th", { scope: "row" }, t("vat", { rate: Number(row.vat_rate) })), h("td", {}), h("td", { class: "num" }, money(row.vat_cents))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, t("totalInclVat")), h("td", {}), h("td", { class: "num", id: "q-total" }, money(price.total_cents)))))));
}

// The payment terms of the buyer's type and their due dates, as the PDF prints them.
function termsSection(schedule) {
  if (!schedule || !schedule.balance_due) return null;
  return h("section", { "aria-labelledby": "q-terms-title" },
    h("h2", { id: "q-terms-title" }, t("quoteTermsTitle")),
    h("ul", { id: "q-terms" },
      h("li", {}, t(`quoteMethods_${schedule.methods}`)),
      h("li", {}, schedule.deposit_cents
        ? t("quoteDepositDue", { p: schedule.deposit_percent, amount: money(schedule.deposit_cents), date: dateLong(schedule.deposit_due) })
        : t("quoteNoDeposit")),
      h("li", {}, t("quoteBalanceDue", { amount: money(schedule.balance_cents), days: schedule.days_after_invoice, date: dateLong(schedule.balance_due) }))));
}

function field(id, label, attrs = {}) {
  return h("div", { class: "field" },
    h("label", { for: id }, label, attrs.required ? h("span", { class: "req" }, ` (${t("required")})`) : ""),
    h("input", { id, name: id.slice(2), "aria-describedby": `${id}-error`, ...attrs }),
    h("p", { class: "field-error", id: `${id}-error` }));
}

function fileField(id, label, hint) {
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: "document", type: "file", accept: "application/pdf,.pdf", "aria-describedby": `${id}-hint ${id}-error` }),
    h("p", { class: "hint", id: `${id}-hint` }, hint),
    h("p", { class: "field-error", id: `${id}-error` }));
}

// Field errors of the API under their control (prefix "q-"), the rest in the form's box.
function showFormErrors(form, box, error, fields, summary) {
  form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const rows = error instanceof ApiError && error.errors.length ? error.errors
    : [{ field: null, message: error instanceof ApiError ? error.message : String(error) }];
  const general = [];
  let first = null;
  for (const row of rows) {
    const id = fields[row.field];
    const slot = id ? form.querySelector(`#${id}-error`) : null;
    if (slot) {
      slot.textContent = row.message;
      const control = form.querySelector(`#${id}`);
      control.setAttribute("aria-invalid", "true");
      first ||= control;
    } else general.push(row.message);
  }
  box.replaceChildren(h("p", {}, t(summary)), ...general.map((m) => h("p", {}, m)));
  box.hidden = false;
  announce(t(summary));
  (first || box).focus();
}

// A PDF within the size limit, checked here for a quick answer; the server checks again.
function checkFile(input) {
  const file = input.files[0];
  if (!file) return null;
  if (!(file.type === "application/pdf" || /\.pdf$/i.test(file.name))) return t("quoteFileType");
  if (file.size > MAX_BYTES) return t("quoteFileSize", { mb: MAX_BYTES / 1024 / 1024 });
  return null;
}

function acceptSection(quote, token) {
  const box = h("div", { class: "form-errors", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", class: "primary", id: "q-accept" }, t("quoteAcceptButton"));
  const form = h("form", { class: "booking-form", id: "accept-form", novalidate: true },
    h("h2", { id: "q-accept-title", tabindex: "-1" }, t("quoteAcceptTitle")),
    h("p", {}, t("quoteAcceptIntro", { total: money(quote.price.total_cents), v: quote.version })),
    box,
    field("q-name", t("quoteSignerName"), { required: true, autocomplete: "name", maxlength: 200 }),
    field("q-role", t("quoteSignerRole"), { required: true, autocomplete: "organization-title", maxlength: 200 }),
    h("div", { class: "field terms-accept" },
      h("label", { class: "check", for: "q-statement" },
        h("input", { type: "checkbox", id: "q-statement", name: "statement", "aria-describedby": "q-statement-error" }),
        ` ${t("quoteStatement", { org: quote.organisation_name })}`, h("span", { class: "req" }, ` (${t("required")})`)),
      h("p", { class: "field-error", id: "q-statement-error" })),
    fileField("q-document", t("quoteAttach"), t("quoteAttachHint")),
    submit);
  const fields = { name: "q-name", role: "q-role", statement: "q-statement", document: "q-document" };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const data = new FormData(form);
    const problems = [];
    if (!String(data.get("name") || "").trim()) problems.push({ field: "name", message: t("quoteRequired") });
    if (!String(data.get("role") || "").trim()) problems.push({ field: "role", message: t("quoteRequired") });
    if (!form.querySelector("#q-statement").checked) problems.push({ field: "statement", message: t("quoteStatementRequired") });
    const fileProblem = checkFile(form.querySelector("#q-document"));
    if (fileProblem) problems.push({ field: "document", message: fileProblem });
    if (problems.length) { showFormErrors(form, box, new ApiError(400, { errors: problems }), fields, "quoteAcceptErrors"); return; }
    submit.disabled = true;
    submit.textContent = t("submitting");
    const file = form.querySelector("#q-document").files[0];
    let body = { name: data.get("name"), role: data.get("role"), statement: true, version: quote.version };
    if (file) {
      body = new FormData();
      for (const [name, value] of Object.entries({ name: data.get("name"), role: data.get("role"), statement: "true", version: quote.version, document_kind: "signed_quote" })) body.append(name, value);
      body.append("document", file);
    }
    try {
      const accepted = await api(`quotes/${quote.number}/accept/`, { method: "POST", body, headers: { "X-Quote-Token": token } });
      rememberToken(accepted.booking, accepted.booking_token);
      await showQuote(quote.number, null);
      announce(t("quoteAccepted"));
      document.getElementById("q-booking")?.focus();
    } catch (error) {
      showFormErrors(form, box, error, fields, "quoteAcceptErrors");
      submit.disabled = false;
      submit.textContent = t("quoteAcceptButton");
    }
  });
  return form;
}

function orderSection(quote, token) {
  if (quote.invoice_issued) {
    return h("section", { "aria-labelledby": "q-order-title" },
      h("h2", { id: "q-order-title" }, t("quoteOrderTitle")),
      h("p", {}, t("quoteOrderFrozen")),
      orderFacts(quote));
  }
  const box = h("div", { class: "form-errors", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", id: "q-order-save" }, t("save"));
  const form = h("form", { class: "booking-form", id: "order-form", novalidate: true },
    h("h2", { id: "q-order-title", tabindex: "-1" }, t("quoteOrderTitle")),
    h("p", {}, t("quoteOrderIntro")),
    orderFacts(quote),
    box,
    field("q-purchase_order_number", t("quotePoNumber"), { maxlength: 60, value: quote.purchase_order_number }),
    field("q-commitment_number", t("quoteCommitment"), { maxlength: 60, value: quote.commitment_number }),
    fileField("q-order-document", t("quotePoDocument"), t("quoteAttachHint")),
    submit);
  const fields = { purchase_order_number: "q-purchase_order_number", commitment_number: "q-commitment_number", document: "q-order-document" };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const input = form.querySelector("#q-order-document");
    const fileProblem = checkFile(input);
    if (fileProblem) { showFormErrors(form, box, new ApiError(400, { errors: [{ field: "document", message: fileProblem }] }), fields, "quoteOrderErrors"); return; }
    const data = new FormData(form);
    const body = new FormData();
    body.append("purchase_order_number", data.get("purchase_order_number"));
    body.append("commitment_number", data.get("commitment_number"));
    if (input.files[0]) { body.append("document", input.files[0]); body.append("document_kind", "purchase_order"); }
    submit.disabled = true;
    try {
      await api(`quotes/${quote.number}/purchase-order/`, { method: "POST", body, headers: { "X-Quote-Token": token } });
      await showQuote(quote.number, null);
      announce(t("saved"));
      document.getElementById("q-order-saved")?.focus();
    } catch (error) {
      showFormErrors(form, box, error, fields, "quoteOrderErrors");
      submit.disabled = false;
    }
  });
  return form;
}

function orderFacts(quote) {
  if (!quote.purchase_order_number && !quote.commitment_number) return null;
  return h("p", { id: "q-order-saved", tabindex: "-1" },
    quote.purchase_order_number ? t("quotePoNumberIs", { n: quote.purchase_order_number }) : "",
    quote.purchase_order_number && quote.commitment_number ? " · " : "",
    quote.commitment_number ? t("quoteCommitmentIs", { n: quote.commitment_number }) : "");
}
