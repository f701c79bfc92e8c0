// The map of the sites: Leaflet (vendored, served by the project) over the configured tiles, and
// under them the project's own drawing of the basin, made from the sites' coordinates, which
// stays visible when the tiles cannot load (offline, blocked, a tile server down).
import { h } from "./dom.js";
import { t } from "./i18n.js";

let leafletPromise = null;

function mapConfig() {
  const meta = document.querySelector('meta[name="va-map"]');
  return meta ? { ...meta.dataset } : {};
}

// Leaflet's script and style, once, on the pages that show a map; null when they cannot load.
export function loadLeaflet() {
  if (window.L) return Promise.resolve(window.L);
  if (leafletPromise) return leafletPromise;
  const config = mapConfig();
  leafletPromise = new Promise((resolve) => {
    if (!config.leafletJs) { resolve(null); return; }
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = config.leafletCss;
    document.head.append(style);
    const script = document.createElement("script");
    script.src = config.leafletJs;
    script.onload = () => resolve(window.L || null);
    script.onerror = () => { leafletPromise = null; resolve(null); };
    document.head.append(script);
  });
  return leafletPromise;
}

// Town names from the addresses ("62750 Loos-en-Gohelle"), placed at their sites' mean position.
function towns(sites) {
  const groups = new Map();
  for (const site of sites) {
    const match = (site.address || "").match(/\b\d{5}\s+(.+)$/);
    if (!match) continue;
    const name = match[1].trim();
    const group = groups.get(name) || { name, lat: 0, lon: 0, n: 0 };
    group.lat += site.latitude; group.lon += site.longitude; group.n += 1;
    groups.set(name, group);
  }
  return [...groups.values()].map((g) => ({ name: g.name, lat: g.lat / g.n, lon: g.lon / g.n }));
}

function paddedBounds(sites) {
  const lats = sites.map((s) => s.latitude);
  const lons = sites.map((s) => s.longitude);
  // Generous margins: the drawing should fill the map's frame around the sites, not just their box.
  const padLat = Math.max((Math.max(...lats) - Math.min(...lats)) * 0.6, 0.01);
  const padLon = Math.max((Math.max(...lons) - Math.min(...lons)) * 0.3, 0.015);
  return {
    south: Math.min(...lats) - padLat, north: Math.max(...lats) + padLat,
    west: Math.min(...lons) - padLon, east: Math.max(...lons) + padLon,
  };
}

// The drawing: a plain background and a graticule every 0.02 degree, in an SVG stretched by
// Leaflet over the sites' bounds (a few kilometres: the projection's curve is nil). The towns'
// names are separate labels (an SVG text would grow with the zoom).
function basinDrawing(sites, box) {
  const width = 1000;
  const height = Math.max(200, Math.round((width * (box.north - box.south)) / ((box.east - box.west) * Math.cos((box.south * Math.PI) / 180))));
  const x = (lon) => ((lon - box.west) / (box.east - box.west)) * width;
  const y = (lat) => ((box.north - lat) / (box.north - box.south)) * height;
  const lines = [];
  const step = 0.02;
  for (let lon = Math.ceil(box.west / step) * step; lon < box.east; lon += step) {
    lines.push(h("line", { x1: x(lon), x2: x(lon), y1: 0, y2: height, class: "grid" }));
  }
  for (let lat = Math.ceil(box.south / step) * step; lat < box.north; lat += step) {
    lines.push(h("line", { x1: 0, x2: width, y1: y(lat), y2: y(lat), class: "grid" }));
  }
  return h("svg", { xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${width} ${height}`, class: "basin-drawing", "aria-hidden": "true", preserveAspectRatio: "none" },
    h("rect", { x: 0, y: 0, width, height, class: "land" }), lines);
}

// A map of `sites` in `host`. `label(site, index)` names each marker; `onSelect(site)` runs on a
// click or Enter/Space on a marker; `route` joins the sites in order. Returns a controller, or
// null when Leaflet could not load (the page's list stays the way to every site).
export async function siteMap(host, { sites, label, onSelect = null, route = false, markerText = (s, i) => String(i + 1) }) {
  const L = await loadLeaflet();
  if (!L || !sites.length) return null;
  const config = mapConfig();
  // maxZoom: without a tile layer Leaflet has none, and fitting a single point would zoom to NaN.
  const map = L.map(host, { keyboard: true, scrollWheelZoom: false, zoomSnap: 0.25, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  const box = paddedBounds(sites);
  const bounds = L.latLngBounds([box.south, box.west], [box.north, box.east]);
  map.createPane("drawing").style.zIndex = "150"; // under the tiles (200): they cover it once loaded
  L.svgOverlay(basinDrawing(sites, box), bounds, { pane: "drawing", interactive: false }).addTo(map);
  map.createPane("drawing-labels").style.zIndex = "160";
  for (const town of towns(sites)) {
    const icon = L.divIcon({ className: "town-label", html: h("span", {}, town.name), iconSize: null });
    const label = L.marker([town.lat, town.lon], { icon, pane: "drawing-labels", interactive: false, keyboard: false });
    label.on("add", () => label.getElement().setAttribute("aria-hidden", "true"));
    label.addTo(map);
  }
  const status = h("p", { class: "map-status", role: "status" });
  host.after(status); // the host's parent is a frame that keeps the two together
  if (config.tiles) {
    let loaded = 0;
    let failed = 0;
    const layer = L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19, crossOrigin: false });
    layer.on("tileload", () => { loaded += 1; host.classList.remove("tiles-failed"); status.textContent = ""; });
    layer.on("tileerror", () => {
      failed += 1;
      if (!loaded && failed === 1) { host.classList.add("tiles-failed"); status.textContent = t("tilesFailed"); }
    });
    layer.addTo(map);
  } else {
    status.textContent = t("tilesOff");
  }
  if (route) {
    L.polyline(sites.map((s) => [s.latitude, s.longitude]), { className: "route-line", interactive: false }).addTo(map);
  }
  const markers = new Map();
  sites.forEach((site, index) => {
    const icon = L.divIcon({ className: `site-marker${site.categories?.length ? ` cat-${site.categories[0]}` : ""}`, html: h("span", { "aria-hidden": "true" }, markerText(site, index)), iconSize: [30, 30] });
    const marker = L.marker([site.latitude, site.longitude], { icon, keyboard: true, title: label(site, index), riseOnHover: true });
    // Leaflet makes a new element each time a marker is added back (after a filter): name it then.
    const decorate = () => {
      const element = marker.getElement();
      element.setAttribute("aria-label", label(site, index));
      element.dataset.site = site.slug;
      if (!onSelect) { element.setAttribute("role", "img"); element.tabIndex = -1; return; }
      element.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onSelect(site); }
      });
    };
    marker.on("add", decorate);
    if (onSelect) marker.on("click", () => onSelect(site));
    marker.addTo(map);
    markers.set(site.slug, marker);
  });
  map.fitBounds(L.latLngBounds(sites.map((s) => [s.latitude, s.longitude])), { padding: [30, 30], maxZoom: 16 });
  return {
    map,
    show(slugs) {
      const shown = [];
      for (const [slug, marker] of markers) {
        if (slugs.has(slug)) { marker.addTo(map); shown.push(marker.getLatLng()); } else marker.remove();
      }
      if (shown.length) map.fitBounds(L.latLngBounds(shown), { padding: [30, 30], maxZoom: 15 });
    },
    reveal(slug) {
      const marker = markers.get(slug);
      if (marker) map.panTo(marker.getLatLng());
      for (const [key, other] of markers) other.getElement()?.classList.toggle("selected", key === slug);
    },
  };
}
