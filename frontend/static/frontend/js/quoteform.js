// Ask for a quote (procurement): the booking form's buyer and billing fields, with the
// participants by category, learning objectives and whether a commitment number will follow.
// The quote is e-mailed with its PDF and a secret link to its page (quotepage.js).
import { api, ApiError } from "./api.js";
import { h, announce } from "./dom.js";
import { dateTime, languageName, money } from "./format.js";
import { t } from "./i18n.js";
import { ORG_TYPES, setRequired, showErrors, termsBox } from "./bookingform.js";

const BILLING_REQUIRED = ["billing.address", "billing.postal_code", "billing.city"];

export function quoteForm(it, choice, participants) {
  const errorBox = h("div", { class: "form-errors", role: "alert", tabindex: "-1", hidden: true });
  const submit = h("button", { type: "submit", class: "primary", id: "q-submit" }, t("quoteSubmit"));
  const input = (name, label, attrs = {}) => {
    const id = `b-${name.replace(/\./g, "-")}`;
    return h("div", { class: "field" },
      h("label", { for: id }, label, attrs.required ? h("span", { class: "req" }, ` (${t("required")})`) : ""),
      h(attrs.multiline ? "textarea" : "input", { id, name, "aria-describedby": `${id}-error`, ...attrs, multiline: null }),
      h("p", { class: "field-error", id: `${id}-error` }));
  };
  const count = (name, label, value) => input(`categories.${name}`, label, { type: "number", min: 0, value, inputmode: "numeric" });
  const what = choice.kind === "departure"
    ? `${it.title}, ${dateTime(choice.starts_at)}`
    : `${it.title}, ${dateTime(choice.starts_at)} (${t("privateAt", { time: "" }).trim()})`;

  const form = h("form", { class: "booking-form quote-form", novalidate: true },
    h("h2", { tabindex: "-1" }, t("quoteTitle")),
    h("p", { class: "chosen" }, t("chosen", { what })),
    h("p", { class: "hint" }, t("quoteIntro")),
    errorBox,
    h("fieldset", {}, h("legend", {}, t("participants")),
      count("pupils", t("quotePupils"), participants),
      count("adults", t("quoteAdults"), 0),
      count("staff", t("quoteStaff"), 0),
      h("p", { class: "field-error", id: "b-categories-error" }),
      h("p", { class: "hint" }, t("quoteFreePlaces")),
      it.options.length ? h("div", { class: "field" }, h("p", { class: "label" }, t("options")),
        it.options.map((o) => h("label", { class: "check" },
          h("input", { type: "checkbox", name: "options", value: o.code }), ` ${o.name} (+${money(o.price_per_person_cents)} ${t("excl")})`))) : null,
      choice.kind !== "departure" ? h("div", { class: "field" }, h("label", { for: "b-language" }, t("language")),
        h("select", { id: "b-language", name: "language" }, it.languages.map((l) => h("option", { value: l }, languageName(l)))),
        h("p", { class: "field-error", id: "b-language-error" })) : null,
      input("objectives", t("quoteObjectives"), { multiline: true, rows: 3, maxlength: 4000 }),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "training", id: "b-training" }), ` ${t("quoteTraining")}`)),
    h("fieldset", {}, h("legend", {}, t("organisation")),
      input("organisation.name", t("orgName"), { required: true, autocomplete: "organization" }),
      h("div", { class: "field" }, h("label", { for: "b-organisation-type" }, t("orgType")),
        h("select", { id: "b-organisation-type", name: "organisation.type" }, ORG_TYPES.map((k) => h("option", { value: k }, t(k)))),
        h("p", { class: "field-error", id: "b-organisation-type-error" })),
      input("organisation.siret", t("siret"), { inputmode: "numeric", maxlength: 14 }),
      input("organisation.vat_number", t("vatNumber")),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "commitment_number_follows", id: "b-commitment_number_follows" }), ` ${t("quoteCommitmentFollows")}`)),
    h("fieldset", {}, h("legend", {}, t("contact")),
      input("contact.name", t("contactName"), { required: true, autocomplete: "name" }),
      input("contact.email", t("email"), { type: "email", required: true, autocomplete: "email" }),
      input("contact.phone", t("phone"), { type: "tel", autocomplete: "tel" })),
    h("fieldset", { id: "billing" }, h("legend", {}, t("billing")),
      h("p", { class: "hint" }, t("quoteInvoiceOnly")),
      input("billing.address", t("address"), { autocomplete: "street-address" }),
      input("billing.postal_code", t("postalCode"), { autocomplete: "postal-code" }),
      input("billing.city", t("city"), { autocomplete: "address-level2" }),
      input("billing.country", t("country"), { value: "FR", maxlength: 2 }),
      input("billing.service_code", t("serviceCode"))),
    input("notes", t("notes"), { multiline: true, rows: 3 }),
    termsBox(),
    submit);
  for (const name of BILLING_REQUIRED) setRequired(form, name, true);

  const values = () => {
    const data = new FormData(form);
    const number = (name) => Number(data.get(`categories.${name}`) || 0);
    const body = {
      categories: { pupils: number("pupils"), adults: number("adults"), staff: number("staff") },
      language: choice.kind === "departure" ? choice.language : data.get("language"),
      options: data.getAll("options"),
      objectives: data.get("objectives"),
      training: data.get("training") === "on",
      commitment_number_follows: data.get("commitment_number_follows") === "on",
      organisation: { name: data.get("organisation.name"), type: data.get("organisation.type"),
        siret: data.get("organisation.siret").replace(/\s/g, ""), vat_number: data.get("organisation.vat_number") },
      contact: { name: data.get("contact.name"), email: data.get("contact.email"), phone: data.get("contact.phone") },
      billing: { address: data.get("billing.address"), postal_code: data.get("billing.postal_code"), city: data.get("billing.city"),
        country: data.get("billing.country").toUpperCase(), service_code: data.get("billing.service_code") },
      payment_method: "invoice",
      notes: data.get("notes"),
    };
    if (data.get("terms_version")) body.terms_version = data.get("terms_version");
    if (choice.kind === "departure") body.departure = choice.id;
    else { body.itinerary = it.slug; body.starts_at = choice.starts_at; }
    return body;
  };

  const clearErrors = () => {
    errorBox.hidden = true;
    form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return; // a double click never asks twice
    clearErrors();
    if (!form.querySelector("#b-terms_version").checked) {
      showErrors(form, errorBox, new ApiError(400, { errors: [{ field: "terms_version", message: t("termsRequired") }] }), "b", "quoteFormErrors");
      return;
    }
    submit.disabled = true;
    submit.textContent = t("submitting");
    try {
      const quote = await api("quotes/", { method: "POST", body: values() });
      form.replaceWith(sentNotice(quote));
      announce(t("quoteSent", { number: quote.number, email: quote.contact_email }));
    } catch (error) {
      // The participants by category answer as one field ("categories") or per category.
      if (error instanceof ApiError) {
        for (const row of error.errors) if (row.field === "participants") row.field = "categories";
      }
      showErrors(form, errorBox, error, "b", "quoteFormErrors");
      submit.disabled = false;
      submit.textContent = t("quoteSubmit");
    }
  });
  return form;
}

function sentNotice(quote) {
  return h("section", { class: "booking-form quote-sent", id: "quote-sent", "aria-labelledby": "quote-sent-title" },
    h("h2", { id: "quote-sent-title", tabindex: "-1" }, t("quoteSentTitle", { number: quote.number })),
    h("p", {}, t("quoteSent", { number: quote.number, email: quote.contact_email })),
    h("p", {}, t("quoteValidUntil", { date: dateTime(quote.valid_until) })),
    h("p", {}, h("a", { href: `/quotes/${quote.number}?token=${encodeURIComponent(quote.token)}`, id: "quote-open" }, t("quoteOpenNow"))));
}
