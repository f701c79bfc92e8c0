// The group's certificates of attendance (visits/certificates.py): on the organiser's page,
// after the visit, one link per participant the guide checked in and one for them all.
import { api } from "./api.js";
import { h } from "./dom.js";
import { dateTime } from "./format.js";
import { t } from "./i18n.js";

export function certificatesSection(booking, token) {
  const section = h("section", { id: "certificates-section", "aria-labelledby": "certificates-title" },
    h("h2", { id: "certificates-title" }, t("certTitle")), h("p", {}, t("loading")));
  load(section, booking, token);
  return section;
}

// A link opens the PDF in the browser: the organiser's token goes in the address, as the
// programme's link does (the API reads it from there too).
function withToken(url, token) {
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}

async function load(section, booking, token) {
  let title = h("h2", { id: "certificates-title" }, t("certTitle"));
  let answer;
  try {
    answer = await api(`bookings/${booking.reference}/certificates/`, { token });
  } catch (error) {
    section.replaceChildren(title, h("p", { class: "alert" }, error.message));
    return;
  }
  // A training booking (it has a sign-in sheet): certificates of completion.
  if (answer.sign_in_sheet_url) title = h("h2", { id: "certificates-title" }, t("certTitleTraining"));
  // A training booking's sign-in sheet, printed before the visit and signed per half-day.
  const sheet = answer.sign_in_sheet_url
    ? h("p", {}, h("a", { id: "sign-in-sheet", href: withToken(answer.sign_in_sheet_url, token) }, t("signInSheet")))
    : null;
  if (!answer.available) {
    section.replaceChildren(title, h("p", { id: "certificates-later" }, t("certLater", { when: dateTime(answer.available_from) })), sheet);
    return;
  }
  if (!answer.certificates.length) {
    section.replaceChildren(title, h("p", { id: "certificates-none" }, t("certNone")), sheet);
    return;
  }
  section.replaceChildren(title, sheet,
    h("p", {}, t("certIntro", { n: answer.certificates.length })),
    h("p", {}, h("a", { class: "button", id: "certificates-all", href: withToken(answer.pdf_url, token) }, t("certAll"))),
    h("ul", { class: "links", id: "certificates-list" }, answer.certificates.map((c) =>
      h("li", {}, h("a", { href: withToken(c.pdf_url, token) }, c.name), " ", h("span", { class: "hint" }, t("certCode", { code: c.code }))))));
}
