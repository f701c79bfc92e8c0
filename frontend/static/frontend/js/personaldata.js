// The group's personal data on its booking page: download them (JSON), ask for their erasure.
import { api, ApiError } from "./api.js";
import { h, announce } from "./dom.js";
import { dateTime } from "./format.js";
import { currentLang, t } from "./i18n.js";

// The file comes through fetch with the token in a header, never in a URL that logs keep.
async function download(reference, token) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang() };
  if (token) headers["X-Booking-Token"] = token;
  const response = await fetch(`/api/v1/bookings/${reference}/personal-data/`, { headers, credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: `${reference}-personal-data.json`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function erasureState(state, blockedBy = []) {
  if (state.anonymised_at) return [h("p", { id: "erasure-status", class: "note" }, t("erasureDone", { date: dateTime(state.anonymised_at) }))];
  if (!state.erasure_requested_at) return [];
  return [
    h("p", { id: "erasure-status", class: "note" }, t("erasureRequested", { date: dateTime(state.erasure_requested_at) })),
    blockedBy.length
      ? h("div", { id: "erasure-deferred" }, h("p", {}, t("erasureDeferred")), h("ul", {}, blockedBy.map((row) => h("li", {}, row.message))))
      : null,
  ];
}

export function personalDataSection(booking, token) {
  const state = booking.personal_data || {};
  const error = h("p", { class: "field-error", id: "personal-data-error", role: "alert" });
  const status = h("div", { id: "erasure-state" }, erasureState(state));
  const downloadButton = h("button", { type: "button", id: "download-data", onclick: async () => {
    error.textContent = "";
    try {
      await download(booking.reference, token);
      announce(t("dataDownloaded"));
    } catch (e) { error.textContent = t("error", { msg: e.message }); }
  } }, t("downloadData"));
  const openButton = h("button", { type: "button", class: "danger", id: "erasure-open", onclick: () => dialog.showModal() }, t("askErasure"));
  const dialog = h("dialog", { id: "erasure-dialog", "aria-labelledby": "erasure-title", "aria-describedby": "erasure-what" },
    h("h2", { id: "erasure-title" }, t("erasureConfirmTitle")),
    h("p", { id: "erasure-what" }, t("erasureWhat")),
    h("p", { id: "erasure-kept" }, t("erasureKept")),
    h("p", { id: "erasure-when" }, t("erasureWhen")),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "danger", id: "erasure-confirm", onclick: async () => {
        error.textContent = "";
        try {
          const result = await api(`bookings/${booking.reference}/erasure-request/`, { method: "POST", token, body: {} });
          dialog.close();
          status.replaceChildren(...erasureState({ erasure_requested_at: result.requested_at, anonymised_at: result.anonymised_at }, result.blocked_by));
          openButton.remove();
          announce(t("erasureRequested", { date: dateTime(result.requested_at) }));
        } catch (e) {
          dialog.close();
          error.textContent = t("error", { msg: e.message });
        }
      } }, t("erasureConfirm")),
      h("button", { type: "button", id: "erasure-keep", onclick: () => dialog.close() }, t("erasureKeep"))));
  const canAsk = !state.erasure_requested_at && !state.anonymised_at;
  return h("section", { "aria-labelledby": "personal-data-title", class: "personal-data" },
    h("h2", { id: "personal-data-title" }, t("personalData")),
    h("p", {}, t("personalDataIntro")),
    status,
    h("div", { class: "actions" }, downloadButton, canAsk ? openButton : null),
    error,
    dialog);
}
