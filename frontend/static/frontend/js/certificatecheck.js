// The page behind the address printed on a certificate of attendance (visits/certificates.py):
// anyone holding a paper types or follows its code and reads whether it is genuine, with the
// holder's initials, the itinerary, the date and the hours; nothing more is shown.
import { ApiError, api } from "./api.js";
import { h, render } from "./dom.js";
import { dateLong, dateTime } from "./format.js";
import { currentLang, t } from "./i18n.js";

const CODE = /^[A-Za-z0-9-]{1,40}$/;

export async function showCertificateCheck(code) {
  document.title = `${t("ccTitle")} — Voyages apprenants`;
  const input = h("input", { id: "cc-code", name: "code", type: "text", autocomplete: "off", spellcheck: "false",
    autocapitalize: "characters", "aria-describedby": "cc-code-error", value: code || "" });
  const fieldError = h("p", { class: "field-error", id: "cc-code-error" });
  const result = h("div", { id: "cc-result", role: "status" });
  const form = h("form", { id: "cc-form", novalidate: true },
    h("label", { for: "cc-code" }, t("ccLabel")),
    h("div", { class: "inline-form" }, input, h("button", { type: "submit", class: "primary" }, t("ccSubmit"))),
    fieldError);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check(input, fieldError, result);
  });
  render(h("h1", {}, t("ccTitle")), h("p", {}, t("ccIntro")), form, result);
  if (code) await check(input, fieldError, result);
}

async function check(input, fieldError, result) {
  const code = input.value.trim().toUpperCase();
  fieldError.textContent = "";
  input.removeAttribute("aria-invalid");
  result.replaceChildren();
  if (!CODE.test(code)) {
    fieldError.textContent = t(code ? "ccMalformed" : "ccEmpty");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  history.replaceState(null, "", `/certificates/${encodeURIComponent(code)}`);
  let found;
  try {
    found = await api(`certificates/${encodeURIComponent(code)}/`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const text = error.status === 404 ? t("ccNotFound", { code }) : error.message;
    result.replaceChildren(h("p", { class: "alert", id: "cc-invalid" }, text));
    return;
  }
  const hours = new Intl.NumberFormat(currentLang() === "en" ? "en-GB" : "fr-FR").format(Number(found.hours));
  const row = (label, value) => [h("dt", {}, label), h("dd", {}, value)];
  result.replaceChildren(h("div", { id: "cc-valid" },
    h("p", { class: "ok" }, t("ccValid", { code: found.code })),
    h("dl", { class: "legal-facts" },
      ...row(t("ccHolder"), found.initials),
      ...row(t("ccItinerary"), found.itinerary),
      ...row(t("ccDate"), dateLong(found.date)),
      ...row(t("ccHours"), t("ccHoursValue", { n: hours })),
      ...row(t("ccIssued"), dateTime(found.issued_at)))));
}
