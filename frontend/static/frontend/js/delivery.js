// The certified delivery of the group's visit (procurement/delivery.py): once the office has
// recorded who came, the booking page links the certificate of delivery (attestation de
// service fait). Before that the section stays empty and hidden.
import { api } from "./api.js";
import { h } from "./dom.js";
import { dateLong } from "./format.js";
import { t } from "./i18n.js";

export function deliverySection(booking, token) {
  const section = h("section", { id: "delivery-section", hidden: true });
  load(section, booking, token);
  return section;
}

function withToken(url, token) {
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}

async function load(section, booking, token) {
  let answer;
  try {
    answer = await api(`bookings/${booking.reference}/delivery/`, { token });
  } catch {
    return; // nothing to show: the rest of the page stands
  }
  if (!answer.delivered) return;
  const delivery = answer.delivery;
  section.replaceChildren(
    h("h2", { id: "delivery-title" }, t("deliveryTitle")),
    h("p", {}, t("deliveryDone", { date: dateLong(booking.departure.starts_at), n: delivery.attendance.total })),
    h("p", {}, h("a", { class: "button", id: "delivery-certificate", href: withToken(delivery.certificate_url, token) }, t("deliveryCertificate"))));
  section.setAttribute("aria-labelledby", "delivery-title");
  section.hidden = false;
}
