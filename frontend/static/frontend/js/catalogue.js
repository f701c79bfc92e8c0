// The catalogue: itinerary cards with filters by theme, duration, group size and a search box.
import { api } from "./api.js";
import { h, render, navigate, announce } from "./dom.js";
import { duration, languageName, money } from "./format.js";
import { t } from "./i18n.js";

const state = { theme: "", maxDuration: "", participants: "", q: "" };

export async function showCatalogue() {
  // The introduction needs no data: drawn at once, it is what a phone shows while the catalogue
  // loads (Lighthouse: the largest paint no longer waits for the API), and it stays in place.
  const hero = h("section", { class: "hero" }, h("h1", {}, t("catalogueTitle")), h("p", {}, t("catalogueIntro")));
  const loading = h("p", { class: "loading" }, t("loading"));
  render(hero, loading);
  document.title = `${t("catalogueTitle")} — Voyages apprenants`;
  const [themes, itineraries] = await Promise.all([
    api("themes/?page_size=100"),
    api("itineraries/?page_size=100"),
  ]);
  const list = h("ul", { class: "cards", id: "itinerary-list" });
  const count = h("p", { class: "count", role: "status" });

  const refresh = async () => {
    const query = new URLSearchParams({ page_size: "100" });
    if (state.theme) query.set("theme", state.theme);
    if (state.maxDuration) query.set("max_duration", state.maxDuration);
    if (state.participants) query.set("participants", state.participants);
    let rows = itineraries.results;
    if (state.theme || state.maxDuration || state.participants) {
      rows = (await api(`itineraries/?${query}`)).results;
    }
    const words = state.q.trim().toLowerCase();
    if (words) rows = rows.filter((it) => `${it.title} ${it.summary}`.toLowerCase().includes(words));
    list.replaceChildren(...rows.map(card));
    count.textContent = rows.length ? t("results", { n: rows.length }) : t("noResults");
  };

  const field = (id, label, control) => h("div", { class: "field" }, h("label", { for: id }, label), control);
  const filters = h("form", { class: "filters", role: "search", "aria-label": t("filters"), onsubmit: (e) => e.preventDefault() },
    field("f-theme", t("theme"), h("select", { id: "f-theme", onchange: (e) => { state.theme = e.target.value; refresh(); } },
      h("option", { value: "" }, t("allThemes")),
      themes.results.map((theme) => h("option", { value: theme.slug, selected: state.theme === theme.slug }, theme.name)))),
    field("f-duration", t("duration"), h("select", { id: "f-duration", onchange: (e) => { state.maxDuration = e.target.value; refresh(); } },
      h("option", { value: "" }, t("anyDuration")),
      h("option", { value: "240", selected: state.maxDuration === "240" }, t("halfDay")),
      h("option", { value: "600", selected: state.maxDuration === "600" }, t("oneDay")))),
    field("f-size", t("groupSize"), h("input", { id: "f-size", type: "number", min: 1, max: 1000, inputmode: "numeric", value: state.participants,
      onchange: (e) => { state.participants = e.target.validity.valid ? e.target.value : ""; refresh(); } })),
    field("f-search", t("search"), h("input", { id: "f-search", type: "search", placeholder: t("searchPlaceholder"), value: state.q,
      oninput: (e) => { state.q = e.target.value; refresh(); } })));

  // Left alone if the reader went elsewhere meanwhile (the loading line is then detached).
  loading.replaceWith(filters, count, list);
  await refresh();
  announce(count.textContent);
}

function card(it) {
  const href = `/itineraries/${it.slug}`;
  const perPerson = Math.round(it.price_per_person_cents * (1 + Number(it.vat_rate) / 100));
  return h("li", { class: "card" },
    h("h2", {}, h("a", { href, "data-link": true, onclick: (e) => { e.preventDefault(); navigate(href); } }, it.title)),
    h("p", { class: "summary" }, it.summary),
    h("ul", { class: "facts" },
      h("li", {}, duration(it.duration_minutes)),
      h("li", {}, `${it.min_participants}–${it.max_participants} ${t("participants").toLowerCase()}`),
      h("li", {}, `${t("languages")} : ${it.languages.map(languageName).join(", ")}`)),
    h("ul", { class: "tags", "aria-label": t("theme") }, it.themes.map((theme) => h("li", {}, theme.name))),
    h("p", { class: "price" }, t("priceFrom", { price: money(it.price_per_person_cents) }),
      h("span", { class: "visually-hidden" }, ` (${money(perPerson)} TTC)`)));
}
