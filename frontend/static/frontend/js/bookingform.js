// The booking form: API errors shown next to their field; one Idempotency-Key per booking attempt.
import { api, ApiError } from "./api.js";
import { h, navigate, announce } from "./dom.js";
import { dateLong, dateTime, languageName, money, time } from "./format.js";
import { currentLang, t } from "./i18n.js";
import { rememberToken } from "./tokens.js";

export const ORG_TYPES = ["public_body", "school", "company", "association", "other"];
const PUBLIC_TYPES = ["public_body", "school"];
// What a structure in Chorus Pro may require (GET /api/v1/public-buyers/{siret}/, einvoicing).
const CHORUS_FIELDS = { service: "billing.service_code", commitment: "billing.purchase_order" };
// What each payment method requires beyond the always required fields (bookings/api.py,
// BookingInputSerializer.validate): an invoice needs a billing address.
const REQUIRED_FOR = { invoice: ["billing.address", "billing.postal_code", "billing.city"], card: [] };

export function setRequired(form, name, on) {
  const control = form.querySelector(`[name="${name}"]`);
  const label = form.querySelector(`label[for="${control.id}"]`);
  control.required = on;
  label.querySelector(".req")?.remove();
  if (on) label.append(h("span", { class: "req" }, ` (${t("required")})`));
}

function estimate(it, participants, optionCodes) {
  const rows = [];
  const visit = it.price_per_person_cents * participants;
  if (visit >= it.minimum_charge_cents) rows.push({ excl: visit, rate: Number(it.vat_rate) });
  else rows.push({ excl: it.minimum_charge_cents, rate: Number(it.vat_rate) });
  for (const option of it.options.filter((o) => optionCodes.includes(o.code))) {
    rows.push({ excl: option.price_per_person_cents * participants, rate: Number(option.vat_rate) });
  }
  const byRate = new Map();
  for (const row of rows) byRate.set(row.rate, (byRate.get(row.rate) || 0) + row.excl);
  let excl = 0; let vat = 0;
  for (const [rate, base] of byRate) { excl += base; vat += Math.round((base * rate) / 100); }
  return { excl, total: excl + vat };
}

// Two groups on staggered times: the larger group first (41 gives 21 and 20), as the API offers.
function splitOf(participants) {
  return [Math.ceil(participants / 2), Math.floor(participants / 2)];
}

export function bookingForm(it, choice, participants) {
  const idempotencyKey = crypto.randomUUID();
  const staggered = choice.kind === "staggered";
  // Two groups on staggered times are booked on invoice only (bookings/services/staggered.py).
  const cardAvailable = !staggered && (it.payment_methods || ["invoice"]).includes("card");
  const splitNote = h("output", { id: "split-note", for: "b-participants", "aria-live": "polite" });
  const errorBox = h("div", { class: "form-errors", role: "alert", tabindex: "-1", hidden: true });
  const priceOut = h("output", { id: "price-estimate", for: "b-participants", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, t("submitBook"));
  const buyerNote = h("div", { class: "hint buyer-lookup", id: "buyer-lookup", "aria-live": "polite" });
  const serviceCodes = h("datalist", { id: "service-codes" });
  const chorusRequired = { service: false, commitment: false };

  const input = (name, label, attrs = {}) => {
    const id = `b-${name.replace(/\./g, "-")}`;
    return h("div", { class: "field" },
      h("label", { for: id }, label, attrs.required ? h("span", { class: "req" }, ` (${t("required")})`) : ""),
      h(attrs.multiline ? "textarea" : "input", { id, name, "aria-describedby": `${id}-error`, ...attrs, multiline: null }),
      h("p", { class: "field-error", id: `${id}-error` }));
  };
  const what = choice.kind === "departure"
    ? `${it.title}, ${dateTime(choice.starts_at)}`
    : staggered
      ? `${it.title}, ${dateTime(choice.starts_at)} (${t("staggeredShort")})`
      : `${it.title}, ${dateTime(choice.starts_at)} (${t("privateAt", { time: "" }).trim()})`;

  // The departure's minimum, said again as the group's size changes (empty without one).
  const goSlot = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "booking-form", novalidate: true },
    h("h2", { tabindex: "-1" }, t("bookTitle")),
    h("p", { class: "chosen" }, t("chosen", { what })),
    goSlot,
    errorBox,
    h("fieldset", {}, h("legend", {}, t("participants")),
      input("participants", t("participants"), { type: "number", min: it.min_participants, max: choice.kind === "departure" ? it.max_participants : null, value: participants, required: true, inputmode: "numeric" }),
      it.options.length ? h("div", { class: "field" }, h("p", { class: "label" }, t("options")),
        it.options.map((o) => h("label", { class: "check" },
          h("input", { type: "checkbox", name: "options", value: o.code }), ` ${o.name} (+${money(o.price_per_person_cents)} ${t("excl")})`))) : null,
      choice.kind !== "departure" ? h("div", { class: "field" }, h("label", { for: "b-language" }, t("language")),
        h("select", { id: "b-language", name: "language" }, it.languages.map((l) => h("option", { value: l }, languageName(l)))),
        h("p", { class: "field-error", id: "b-language-error" })) : null,
      staggered ? h("div", { class: "field" }, h("p", { class: "split-note" }, splitNote),
        h("p", { class: "field-error", id: "b-split-error" })) : null,
      h("p", { class: "estimate" }, `${t("estimate")}${t("colon")}`, priceOut)),
    h("fieldset", {}, h("legend", {}, t("organisation")),
      input("organisation.name", t("orgName"), { required: true, autocomplete: "organization" }),
      h("div", { class: "field" }, h("label", { for: "b-organisation-type" }, t("orgType")),
        h("select", { id: "b-organisation-type", name: "organisation.type" }, ORG_TYPES.map((k) => h("option", { value: k }, t(k)))),
        h("p", { class: "field-error", id: "b-organisation-type-error" })),
      input("organisation.siret", t("siret"), { inputmode: "numeric", maxlength: 14 }),
      buyerNote,
      input("organisation.vat_number", t("vatNumber"))),
    h("fieldset", {}, h("legend", {}, t("contact")),
      input("contact.name", t("contactName"), { required: true, autocomplete: "name" }),
      input("contact.email", t("email"), { type: "email", required: true, autocomplete: "email" }),
      input("contact.phone", t("phone"), { type: "tel", autocomplete: "tel" })),
    h("fieldset", {}, h("legend", {}, t("payment")),
      cardAvailable ? null : h("p", { class: "hint" }, t(staggered ? "staggeredInvoice" : "cardUnavailable")),
      h("label", { class: "check" }, h("input", { type: "radio", name: "payment_method", value: "invoice", checked: true }), ` ${t("invoice")}`),
      cardAvailable ? h("label", { class: "check" }, h("input", { type: "radio", name: "payment_method", value: "card" }), ` ${t("card")}`) : null,
      h("p", { class: "field-error", id: "b-payment_method-error" })),
    h("fieldset", { id: "billing" }, h("legend", {}, t("billing")),
      input("billing.address", t("address"), { autocomplete: "street-address" }),
      input("billing.postal_code", t("postalCode"), { autocomplete: "postal-code" }),
      input("billing.city", t("city"), { autocomplete: "address-level2" }),
      input("billing.country", t("country"), { value: "FR", maxlength: 2 }),
      input("billing.purchase_order", t("purchaseOrder")),
      input("billing.service_code", t("serviceCode"), { list: "service-codes", autocomplete: "off" }),
      serviceCodes),
    input("notes", t("notes"), { multiline: true, rows: 3 }),
    termsBox(),
    submit);

  const values = () => {
    const data = new FormData(form);
    const options = data.getAll("options");
    const body = {
      participants: Number(data.get("participants")),
      language: choice.kind === "departure" ? choice.language : data.get("language"),
      options,
      organisation: { name: data.get("organisation.name"), type: data.get("organisation.type"),
        siret: data.get("organisation.siret").replace(/\s/g, ""), vat_number: data.get("organisation.vat_number") },
      contact: { name: data.get("contact.name"), email: data.get("contact.email"), phone: data.get("contact.phone") },
      billing: { address: data.get("billing.address"), postal_code: data.get("billing.postal_code"), city: data.get("billing.city"),
        country: data.get("billing.country").toUpperCase(), purchase_order: data.get("billing.purchase_order"), service_code: data.get("billing.service_code") },
      payment_method: data.get("payment_method"),
      notes: data.get("notes"),
    };
    if (data.get("terms_version")) body.terms_version = data.get("terms_version");
    if (choice.kind === "departure") body.departure = choice.id;
    else { body.itinerary = it.slug; body.starts_at = choice.starts_at; }
    if (staggered) body.split = splitOf(body.participants);
    return body;
  };

  const updatePrice = () => {
    const body = values();
    if (!body.participants) { priceOut.textContent = "—"; goSlot.replaceChildren(); return; }
    // Each group is priced on its own (its minimum charge too), as the API prices each booking.
    const parts = staggered ? body.split.map((n) => estimate(it, n, body.options)) : [estimate(it, body.participants, body.options)];
    const excl = parts.reduce((sum, part) => sum + part.excl, 0);
    const total = parts.reduce((sum, part) => sum + part.total, 0);
    if (staggered) {
      const [a, b] = body.split;
      splitNote.textContent = t("staggeredSplit", { a, b, t1: time(choice.starts[0]), t2: time(choice.starts[1]) });
    }
    priceOut.textContent = `${money(total)} ${t("totalInclVat")} (${money(excl)} ${t("excl")})`;
    const size = Number.isInteger(body.participants) && body.participants >= 1 ? body.participants : null;
    if (choice.kind === "departure") goSlot.replaceChildren((size && goNote(choice.go_no_go, size)) || "");
  };
  form.addEventListener("input", updatePrice);
  updatePrice();

  const markRequired = () => {
    const method = new FormData(form).get("payment_method");
    const wanted = [...(REQUIRED_FOR[method] || [])];
    for (const [need, name] of Object.entries(CHORUS_FIELDS)) if (chorusRequired[need]) wanted.push(name);
    const all = new Set([...Object.values(REQUIRED_FOR).flat(), ...Object.values(CHORUS_FIELDS)]);
    for (const name of all) setRequired(form, name, wanted.includes(name));
  };
  form.addEventListener("change", (event) => { if (event.target.name === "payment_method") markRequired(); });
  markRequired();

  // The buyer's structure in Chorus Pro: what it requires is asked for before the group books.
  let lookups = 0;
  let buyer = null;
  const showBuyer = () => {
    const type = form.querySelector('[name="organisation.type"]').value;
    const lines = [];
    if (buyer?.chorus_pro === "registered") {
      lines.push(t("cpRegistered", { name: buyer.name || buyer.siret }));
      if (buyer.service_code_required) lines.push(t("cpNeedsService"));
      if (buyer.commitment_number_required) lines.push(t("cpNeedsCommitment"));
      if (buyer.services.length) lines.push(t("cpServices", { list: buyer.services.map((s) => `${s.code} (${s.name})`).join(", ") }));
    } else if (buyer?.chorus_pro === "not_registered") {
      lines.push(t(PUBLIC_TYPES.includes(type) ? "cpNotRegisteredPublic" : "cpNotRegistered"));
    } else if (buyer?.chorus_pro === "unknown" && buyer.unknown_reason !== "not_configured") {
      lines.push(t("cpUnknown"));
    } else if (buyer?.message) lines.push(buyer.message);
    buyerNote.replaceChildren(...lines.map((line) => h("p", {}, line)));
    serviceCodes.replaceChildren(...(buyer?.services || []).map((s) => h("option", { value: s.code }, s.name)));
    chorusRequired.service = buyer?.service_code_required === true;
    chorusRequired.commitment = buyer?.commitment_number_required === true;
    markRequired();
  };
  const lookUpBuyer = async () => {
    const siret = form.querySelector('[name="organisation.siret"]').value.replace(/\s/g, "");
    const seq = ++lookups;
    buyer = null;
    if (!/^\d{14}$/.test(siret)) { showBuyer(); return; }
    buyerNote.replaceChildren(h("p", {}, t("cpChecking")));
    let found;
    try { found = await api(`public-buyers/${siret}/`); } catch (error) { found = { message: error.message }; }
    if (seq !== lookups) return; // a later SIRET was typed meanwhile
    buyer = found;
    showBuyer();
  };
  let lastSiret = "";
  form.addEventListener("input", (event) => {
    if (event.target.name !== "organisation.siret") return;
    const siret = event.target.value.replace(/\s/g, "");
    if (siret === lastSiret) return;
    lastSiret = siret;
    lookUpBuyer();
  });
  form.addEventListener("change", (event) => { if (event.target.name === "organisation.type") showBuyer(); });

  const clearErrors = () => {
    errorBox.hidden = true;
    form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return; // a double click never books twice
    clearErrors();
    // Every field the page can judge is judged at once, the terms box with the others, so
    // that the group corrects the whole form in one go; the API judges the rest.
    const local = localErrors(form);
    if (local.length) {
      showErrors(form, errorBox, new ApiError(400, { errors: local }));
      return;
    }
    submit.disabled = true;
    submit.textContent = t("submitting");
    try {
      const booking = await api("bookings/", { method: "POST", body: values(), idempotencyKey });
      // Stripe sends the group back to the booking page without the token: keep it here.
      rememberToken(booking.reference, booking.token);
      // Two groups on staggered times: the other group's link is shown once, here.
      if (booking.companion?.token) rememberToken(booking.companion.reference, booking.companion.token);
      if (booking.checkout_url) { window.location.assign(booking.checkout_url); return; }
      navigate(`/bookings/${booking.reference}?token=${encodeURIComponent(booking.token)}`);
    } catch (error) {
      showErrors(form, errorBox, error);
      submit.disabled = false;
      submit.textContent = t("submitBook");
    }
  });
  return form;
}

// What the browser can tell before sending, in the page's language (not the browser's
// validation bubbles, which speak the browser's language): missing, malformed or out of range.
function localErrors(form) {
  const errors = [];
  for (const control of form.elements) {
    if (!control.name || !control.willValidate || control.validity.valid) continue;
    const { validity } = control;
    let message;
    if (control.name === "terms_version") message = t("termsRequired");
    else if (validity.valueMissing) message = t("fieldRequired");
    else if (validity.typeMismatch && control.type === "email") message = t("emailInvalid");
    else if (validity.rangeUnderflow || validity.rangeOverflow) {
      message = t("numberRange", { min: control.min || "1", max: control.max || "∞" });
    } else message = t("fieldInvalid");
    if (!errors.some((row) => row.field === control.name)) errors.push({ field: control.name, message });
  }
  return errors;
}

// The terms of sale in force (bookings/terms.py), named by the page's shell (frontend/views.py).
export function termsBox() {
  const meta = document.querySelector('meta[name="va-terms"]');
  const version = meta?.content || "";
  const href = meta?.dataset[currentLang()] || meta?.dataset.fr || "/";
  return h("div", { class: "field terms-accept" },
    h("label", { class: "check", for: "b-terms_version" },
      h("input", { type: "checkbox", id: "b-terms_version", name: "terms_version", value: version, required: true, "aria-describedby": "b-terms_version-error" }),
      ` ${t("termsAccept", { version })}`, h("span", { class: "req" }, ` (${t("required")})`)),
    h("p", { class: "hint" }, h("a", { href, target: "_blank", rel: "noopener" }, t("termsRead"))),
    h("p", { class: "field-error", id: "b-terms_version-error" }));
}

export function showErrors(form, errorBox, error, prefix = "b", summary = "formErrors") {
  const rows = error instanceof ApiError && error.errors.length ? error.errors : [{ field: null, message: error.message }];
  const general = [];
  let first = null;
  for (const row of rows) {
    const id = row.field ? `${prefix}-${row.field.replace(/\./g, "-").replace(/-\d+$/, "")}` : null;
    const control = id ? form.querySelector(`#${CSS.escape(id)}`) : null;
    const slot = id ? form.querySelector(`#${CSS.escape(id)}-error`) : null;
    if (slot) {
      slot.textContent = row.message;
      control?.setAttribute("aria-invalid", "true");
      first ||= control;
    } else general.push(row.message);
  }
  errorBox.replaceChildren(h("p", {}, t(summary)), ...general.map((m) => h("p", {}, m)));
  errorBox.hidden = false;
  announce(t(summary));
  (first || errorBox).focus();
}

// What a public departure's minimum means for this group: how many are still needed once it
// books, when it is decided, and what happens if it is not reached (null: no minimum).
function goNote(go, participants) {
  if (!go) return null;
  if (go.confirmed) return h("p", { class: "note go-note" }, t("goNoteConfirmed"));
  const after = Math.max(go.participants_needed - participants, 0);
  const date = dateLong(go.decision_at);
  return h("p", { class: "note go-note" }, after
    ? t("goNoteNeeds", { min: go.minimum_participants, n: after, date })
    : t("goNoteReached", { min: go.minimum_participants, date }));
}
