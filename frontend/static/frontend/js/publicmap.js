// The public map of the transition: every site on the map and, equivalently, in a list (RGAA);
// a filter by category; a marker or a list entry opens the site's card.
import { api } from "./api.js";
import { announce, h, render } from "./dom.js";
import { currentLang, t } from "./i18n.js";
import { siteMap } from "./sitemap.js";

const CATEGORIES = ["solar_pv", "solar_thermal", "heat_pump", "eco_construction", "energy_renovation", "biodiversity_water", "food_farming", "mining_heritage", "culture"];

async function all(path) {
  const rows = [];
  let page = 1;
  for (;;) {
    const body = await api(`${path}/?page=${page}`);
    rows.push(...body.results);
    if (!body.next) return rows;
    page += 1;
  }
}

// A resident's installation, published at its rounded location (resources/contributions.py).
function residentItem(c) {
  const figures = [c.power_kw && `${c.power_kw} kW`, c.surface_m2 && `${c.surface_m2} m²`, c.year].filter(Boolean).join(" · ");
  return h("li", { dataset: { contribution: c.id } },
    h("h3", {}, c.category_label), figures ? h("p", { class: "chips-line" }, figures) : null,
    h("p", {}, c.description),
    c.photo ? h("img", { src: c.photo.url, alt: c.photo.alt, width: c.photo.width, height: c.photo.height, loading: "lazy", decoding: "async" }) : null,
    h("p", { class: "hint" }, t("residentWhere", { lat: c.latitude.toFixed(3), lon: c.longitude.toFixed(3) })));
}

function categoryName(code) { return t(`sc_${code}`); }

function figureText(figure) {
  return `${figure.value}${figure.unit ? ` ${figure.unit}` : ""}`;
}

function siteCard(site, number, onClose) {
  const heading = h("h2", { tabindex: "-1", id: "site-card-title" }, `${number}. ${site.name}`);
  const access = [
    site.wheelchair_accessible ? t("wheelchairYes") : t("wheelchairNo"),
    site.minimum_age ? t("minimumAge", { age: site.minimum_age }) : null,
    site.accessibility_notes || null,
    site.is_bookable ? null : t("closedToPublic"),
  ].filter(Boolean);
  return h("div", { class: "site-card-body" },
    heading,
    h("ul", { class: "chips", "aria-label": t("mapCategories") }, site.categories.map((code) => h("li", { class: `chip cat-${code}` }, categoryName(code)))),
    site.demonstrates ? h("p", {}, site.demonstrates) : null,
    site.description ? h("p", { class: "hint" }, site.description) : null,
    site.figures.length ? h("div", {},
      h("h3", {}, t("keyFigures")),
      h("dl", { class: "figures" }, site.figures.map((figure) => [
        h("dt", {}, figure.label),
        h("dd", {}, h("strong", {}, figureText(figure)), ` (${figure.year}) — `,
          t("source"), " ",
          figure.source_url ? h("a", { href: figure.source_url, rel: "noopener" }, figure.source) : figure.source),
      ]))) : null,
    h("h3", {}, t("accessTitle")),
    h("ul", {}, access.map((line) => h("li", {}, line))),
    h("p", {}, site.address),
    site.itineraries.length ? h("div", {},
      h("h3", {}, t("visitedBy")),
      h("ul", {}, site.itineraries.map((it) => h("li", {}, h("a", { href: `/itineraries/${it.slug}`, "data-link": true }, it.title))))) : null,
    h("button", { type: "button", class: "secondary", onclick: onClose }, t("closeCard")));
}

export async function showMap(params) {
  const [sites, residents] = await Promise.all([all("sites"), all("contributions")]);
  document.title = `${t("mapTitle")} — Voyages apprenants`;
  const numbers = new Map(sites.map((site, index) => [site.slug, index + 1]));
  const counts = Object.fromEntries(CATEGORIES.map((code) => [code, sites.filter((s) => s.categories.includes(code)).length]));
  const host = h("div", { class: "site-map", id: "site-map", role: "region", "aria-label": t("mapRegion") });
  const card = h("section", { class: "site-card", id: "site-card", "aria-labelledby": "site-card-title", hidden: true });
  const list = h("ol", { class: "site-list", id: "site-list" });
  const summary = h("p", { class: "hint", id: "map-count" });
  let controller = null;
  let returnFocus = null;

  function select(site, from) {
    returnFocus = from || document.activeElement;
    card.replaceChildren(siteCard(site, numbers.get(site.slug), closeCard));
    card.hidden = false;
    controller?.reveal(site.slug);
    const url = new URL(location.href);
    url.searchParams.set("site", site.slug);
    history.replaceState({}, "", url);
    card.querySelector("h2").focus();
  }
  function closeCard() {
    card.hidden = true;
    controller?.reveal(null);
    const url = new URL(location.href);
    url.searchParams.delete("site");
    history.replaceState({}, "", url);
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  }
  function applyFilter(code) {
    const shown = sites.filter((s) => code === "all" || s.categories.includes(code));
    const slugs = new Set(shown.map((s) => s.slug));
    for (const item of list.children) item.hidden = !slugs.has(item.dataset.site);
    controller?.show(slugs);
    summary.textContent = t("sitesShown", { n: shown.length });
    announce(summary.textContent);
  }

  for (const site of sites) {
    const number = numbers.get(site.slug);
    const button = h("button", { type: "button", class: "link-button" }, t("openCard", { name: site.name }));
    button.addEventListener("click", () => select(site, button));
    list.append(h("li", { dataset: { site: site.slug } },
      h("h3", {}, `${number}. ${site.name}`),
      h("p", { class: "chips-line" }, site.categories.map(categoryName).join(" · ") || t("noCategory")),
      site.demonstrates ? h("p", {}, site.demonstrates) : null,
      button));
  }

  const filter = h("fieldset", { class: "map-filter" },
    h("legend", {}, t("mapFilter")),
    ["all", ...CATEGORIES.filter((code) => counts[code])].map((code) => h("label", { class: "check" },
      h("input", { type: "radio", name: "category", value: code, checked: code === "all", onchange: () => applyFilter(code) }),
      ` ${code === "all" ? t("allCategories") : categoryName(code)} (${code === "all" ? sites.length : counts[code]})`)));

  const meta = document.querySelector('meta[name="va-map"]')?.dataset || {};
  render(
    h("h1", {}, t("mapTitle")),
    h("p", { class: "lead" }, t("mapIntro"), " ", h("a", { href: t("contributePath") }, t("contribute"))),
    h("p", { class: "open-data" }, t("openData"), " ",
      h("a", { href: "/api/v1/sites.geojson", type: "application/geo+json" }, "GeoJSON"), " · ",
      h("a", { href: "/api/v1/sites.csv", type: "text/csv" }, "CSV"), " — ",
      t("licence"), " ", h("a", { href: meta.licenceUrl || "#", rel: "license" }, meta.licence || ""),
      " · ", h("a", { href: t("libraryPath") }, t("library"))),
    filter,
    summary,
    h("a", { class: "skip-map", href: "#sites-list-title" }, t("skipMap")),
    h("div", { class: "map-layout" }, h("div", { class: "map-frame" }, host), card),
    h("h2", { id: "sites-list-title", tabindex: "-1" }, t("sitesList")),
    list,
    h("h2", { id: "residents-title" }, t("residentsTitle")),
    h("p", { class: "hint" }, t("residentsNote"), " ", h("a", { href: t("contributePath") }, t("contribute"))),
    h("ul", { class: "resident-list", id: "resident-list" }, residents.map(residentItem)));
  summary.textContent = t("sitesShown", { n: sites.length });
  controller = await siteMap(host, {
    sites,
    label: (site, index) => t("markerLabel", { n: index + 1, name: site.name }),
    onSelect: (site) => select(site),
  });
  if (!controller) host.replaceWith(h("p", { class: "alert" }, t("mapUnavailable")));
  for (const c of controller ? residents : []) {
    window.L.circleMarker([c.latitude, c.longitude], { radius: 8, className: "resident-marker" }).bindTooltip(c.category_label).addTo(controller.map);
  }
  const wanted = sites.find((s) => s.slug === params.get("site"));
  if (wanted) select(wanted, null);
  document.documentElement.lang = currentLang();
}
