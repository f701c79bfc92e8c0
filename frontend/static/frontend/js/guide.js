// The guide's page: next visits, and the private calendar feed to copy or rotate.
import { api, ApiError, csrfToken } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateTime } from "./format.js";
import { t } from "./i18n.js";

export async function showGuide() {
  document.title = `${t("guideTitle")} — Voyages apprenants`;
  let schedule;
  try {
    const from = new Date().toISOString().slice(0, 10);
    schedule = await api(`guides/me/schedule/?from=${from}`);
  } catch (error) {
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
      render(h("h1", {}, t("guideTitle")), h("p", {}, t("guideLogin")),
        h("p", {}, h("a", { class: "button primary", href: "/accounts/login/?next=/guide/" }, t("signIn"))));
      return;
    }
    throw error;
  }
  const visits = schedule.results || schedule.assignments || schedule || [];
  const feedBox = h("div", { id: "feed" });
  const showFeed = async () => {
    const feed = await api("guides/me/feed-token/", { method: "POST", body: {} });
    const urlField = h("input", { id: "feed-url", readonly: true, value: feed.feed_url, size: 60 });
    feedBox.replaceChildren(
      h("label", { for: "feed-url" }, "URL"), urlField,
      h("button", { type: "button", onclick: async () => { await navigator.clipboard.writeText(feed.feed_url); announce(t("copied")); } }, t("copy")),
      h("p", {}, h("a", { href: feed.webcal_url }, "webcal://…")));
  };
  // Django signs out on a POST only (a link could be followed by anything). A fetch, not a
  // form: this page sends no Referer, so a form's Origin would be "null" and fail the CSRF check.
  const signOut = h("button", { type: "button", class: "sign-out", onclick: async () => {
    await fetch("/accounts/logout/", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
    await showGuide();
  } }, t("signOut"));
  render(
    h("h1", {}, t("guideTitle")),
    signOut,
    h("section", { "aria-labelledby": "upcoming-title" }, h("h2", { id: "upcoming-title" }, t("upcoming")),
      visits.length ? h("ul", { class: "visits" }, visits.map((v) => h("li", {},
        h("strong", {}, dateTime(v.starts_at)), " — ", v.title || v.itinerary || "",
        v.participants !== undefined ? ` · ${t("headcount", { n: v.participants })}` : ""))) : h("p", {}, t("noVisits"))),
    h("section", { "aria-labelledby": "feed-title" }, h("h2", { id: "feed-title" }, t("feedTitle")),
      h("p", {}, t("feedIntro")),
      h("button", { type: "button", onclick: showFeed }, t("feedRotate")),
      feedBox,
      h("ul", {}, h("li", {}, t("howGoogle")), h("li", {}, t("howApple")), h("li", {}, t("howOutlook")))));
}
