// The guide's page: the next three months of visits (meeting point, groups, head counts with
// requests apart, organisers' phones), and the private calendar feed, shown as it is; making a
// new link is a separate action the guide confirms, since the old link then stops working.
import { api, ApiError, csrfToken } from "./api.js";
import { checkInPanel } from "./checkin.js";
import { h, render, announce } from "./dom.js";
import { dateTime, time } from "./format.js";
import { currentLang, t } from "./i18n.js";

const SCHEDULE_DAYS = 91; // the schedule API's longest range (92 days, both ends included)

function isoDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

// The day kept on the phone for when the signal drops (docs/visits.md): the last schedule and
// today's manifests this browser loaded, in one entry of the "va-guide-day" cache, replaced
// whole at each load (so it never mixes two guides' days) and deleted at sign-out or when the
// server no longer knows the guide. The calendar feed's secret link is never kept.
const DAY_CACHE = "va-guide-day";
const DAY_KEY = "/guide/offline-day";

async function keepDay(day) {
  if (!("caches" in window)) return;
  try {
    await caches.delete(DAY_CACHE);
    const cache = await caches.open(DAY_CACHE);
    await cache.put(DAY_KEY, new Response(JSON.stringify(day), { headers: { "Content-Type": "application/json" } }));
  } catch { /* a full or refused store: the page still works online */ }
}

async function keptDay() {
  if (!("caches" in window)) return null;
  try {
    const kept = await caches.match(DAY_KEY, { cacheName: DAY_CACHE });
    return kept ? await kept.json() : null;
  } catch { return null; }
}

export async function forgetDay() {
  if ("caches" in window) await caches.delete(DAY_CACHE).catch(() => {});
}

// The worker keeps the page's shell and modules (frontend/sw.js), for /guide/ only.
function registerWorker() {
  if (!("serviceWorker" in navigator)) return; // http on another host than localhost: none
  navigator.serviceWorker.register("/sw.js", { scope: "/guide/" }).catch(() => {});
}

export async function showGuide() {
  document.title = `${t("guideTitle")} — Voyages apprenants`;
  let day;
  let feed = null;
  let offline = false;
  try {
    const now = new Date();
    const last = new Date(now.getFullYear(), now.getMonth(), now.getDate() + SCHEDULE_DAYS);
    const feedAnswer = api("guides/me/feed-token/").catch(() => null); // offline: no feed box
    // Today's manifests carry the participants' ids and who is checked in (visits app).
    const [schedule, today] = await Promise.all([
      api(`guides/me/schedule/?from=${isoDay(now)}&to=${isoDay(last)}`),
      api(`guides/me/visits/?from=${isoDay(now)}&to=${isoDay(now)}`),
    ]);
    day = { schedule, today, saved_at: new Date().toISOString() };
    await keepDay(day);
    feed = await feedAnswer;
  } catch (error) {
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
      await forgetDay();
      render(h("h1", {}, t("guideTitle")), h("p", {}, t("guideLogin")),
        h("p", {}, h("a", { class: "button primary", href: "/accounts/login/?next=/guide/" }, t("signIn"))));
      return;
    }
    if (error instanceof ApiError) throw error;
    // No network (a fetch that failed, not an answer): the day kept at the last load.
    day = await keptDay();
    if (!day) throw error;
    offline = true;
  }
  registerWorker();
  const { schedule, today } = day;
  const visits = schedule.assignments || [];
  // Django signs out on a POST only (a link could be followed by anything). A fetch, not a
  // form: this page sends no Referer, so a form's Origin would be "null" and fail the CSRF check.
  const signOut = h("button", { type: "button", class: "sign-out", onclick: async () => {
    await forgetDay();
    await fetch("/accounts/logout/", {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
    });
    await showGuide();
  } }, t("signOut"));
  render(
    h("h1", {}, t("guideTitle")),
    offline ? h("p", { class: "note offline-copy", role: "status" }, t("guideOfflineCopy", { when: dateTime(day.saved_at) })) : null,
    signOut,
    h("section", { "aria-labelledby": "upcoming-title" }, h("h2", { id: "upcoming-title" }, t("upcomingMonths")),
      visits.length ? h("ul", { class: "visits" }, visits.map((v) => visitItem(v, todayManifest(today, v)))) : h("p", {}, t("noVisits"))),
    feed ? feedSection(feed) : null);
}

// Today's manifest of this visit, when it is today and goes ahead: its check-in is shown.
function todayManifest(today, v) {
  const manifest = (today?.visits || []).find((m) => m.departure === v.departure);
  return manifest && manifest.status !== "cancelled" ? manifest : null;
}

function visitItem(v, manifest) {
  const cancelled = v.status === "cancelled";
  const counts = [t("headcountConfirmed", { n: v.participants })];
  if (v.participants_requested) counts.push(t("headcountRequested", { n: v.participants_requested }));
  return h("li", { class: `visit${cancelled ? " cancelled" : ""}` },
    h("h3", {}, h("span", { class: "when" }, `${dateTime(v.starts_at)}–${time(v.ends_at)}`), " ", v.title),
    cancelled ? h("p", { class: "note" }, t("guideVisitCancelled")) : null,
    h("p", {}, t(v.role === "lead" ? "roleLead" : "roleAssistant"), " · ", counts.join(" · ")),
    h("p", { class: "where" }, t("meetingPoint"), " ", v.meeting_point),
    // The printable manifest (visits/manifest.py), in the page's language.
    h("p", {}, h("a", { class: "manifest-pdf", href: `/api/v1/departures/${v.departure}/manifest.pdf?lang=${currentLang()}` }, t("guideManifestPdf"))),
    v.groups.length ? h("ul", { class: "groups" }, v.groups.map((g) => h("li", {},
      h("strong", {}, g.organisation), ` · ${t("headcount", { n: g.participants })}`,
      g.status === "confirmed" ? "" : h("span", { class: "badge" }, ` (${t("groupNotConfirmed")})`),
      g.contact_name ? ` · ${g.contact_name}` : "",
      g.contact_phone ? [" · ", h("a", { href: `tel:${g.contact_phone.replace(/\s+/g, "")}` }, g.contact_phone)] : "",
      namedList(g.named_participants)))) : null,
    manifest ? checkInPanel(manifest) : null);
}

// A group's named participants and their needs (bookings/participants.py), for this guide only.
const NEED_KEYS = ["reduced_mobility", "diet", "hearing", "sight", "other"];
function namedList(people) {
  if (!people || !people.length) return null;
  return h("ul", { class: "named" }, people.map((p) => {
    const needs = NEED_KEYS.filter((code) => p.needs[code]).map((code) => t(`need_${code}`));
    if (p.needs.details) needs.push(p.needs.details);
    return h("li", {}, p.name, ` (${t(`cat_${p.category}`)})`, needs.length ? [" · ", h("strong", {}, needs.join(", "))] : "");
  }));
}

function feedSection(initial) {
  const box = h("div", { id: "feed" });
  const show = (feed) => {
    const parts = [];
    if (feed.feed_url) {
      const urlField = h("input", { id: "feed-url", readonly: true, value: feed.feed_url, size: 60 });
      parts.push(h("div", { class: "field" }, h("label", { for: "feed-url" }, t("feedUrl")), urlField),
        h("p", {},
          h("button", { type: "button", onclick: async () => { await navigator.clipboard.writeText(feed.feed_url); announce(t("copied")); } }, t("copy")),
          " ", h("a", { href: feed.webcal_url }, t("feedOpen"))));
    } else if (feed.has_feed) {
      parts.push(h("p", { class: "note" }, t("feedHidden")));
    }
    parts.push(feed.has_feed ? rotateControl(show) : h("button", { type: "button", id: "feed-create", onclick: async () => show({ ...(await api("guides/me/feed-token/", { method: "POST", body: {} })), has_feed: true }) }, t("feedCreate")));
    box.replaceChildren(...parts);
  };
  show(initial);
  return h("section", { "aria-labelledby": "feed-title" }, h("h2", { id: "feed-title" }, t("feedTitle")),
    h("p", {}, t("feedIntro")), box,
    h("ul", {}, h("li", {}, t("howGoogle")), h("li", {}, t("howApple")), h("li", {}, t("howOutlook"))));
}

// A new link breaks every calendar subscribed to the old one: the guide confirms it first.
function rotateControl(show) {
  const confirmBox = h("div", { id: "feed-confirm", role: "alertdialog", "aria-labelledby": "feed-confirm-text", hidden: true },
    h("p", { id: "feed-confirm-text" }, t("feedRotateWarning")),
    h("button", { type: "button", class: "danger", onclick: async () => {
      const made = await api("guides/me/feed-token/", { method: "POST", body: {} });
      show({ ...made, has_feed: true });
      announce(t("feedRotated"));
    } }, t("feedRotateConfirm")), " ",
    h("button", { type: "button", onclick: () => { confirmBox.hidden = true; open.focus(); } }, t("feedRotateKeep")));
  const open = h("button", { type: "button", id: "feed-rotate", onclick: () => { confirmBox.hidden = false; confirmBox.querySelector("button").focus(); } }, t("feedRotate"));
  return h("div", {}, open, confirmBox);
}
