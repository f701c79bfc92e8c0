// The route drawn as SVG from the sites' coordinates: no tiles, works offline.
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { siteMap } from "./sitemap.js";

// The itinerary's route on the same map as the public map page (Leaflet over the tiles and the
// project's drawing); the SVG plan below stands in when Leaflet itself cannot load.
export function routeOnMap(stops) {
  const host = h("div", { class: "site-map route", role: "region", "aria-label": t("mapLabel", { n: stops.length }) });
  const frame = h("div", { class: "route-frame" }, host);
  // The host must be in the page before Leaflet measures it: start on the next frame.
  requestAnimationFrame(async () => {
    if (!host.isConnected) return; // the reader has already left the page
    const sites = stops.map((stop) => stop.site);
    const controller = await siteMap(host, {
      sites,
      route: true,
      label: (site, index) => t("routeMarker", { n: index + 1, name: stops[index].title }),
    });
    if (!controller && host.isConnected) host.replaceWith(routeMap(stops));
  });
  return frame;
}

export function routeMap(stops, { width = 560, height = 320 } = {}) {
  const points = stops.map((stop) => ({ lat: stop.site.latitude, lon: stop.site.longitude, stop }));
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180); // equirectangular: shrink longitudes
  const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 0.002);
  const spanY = Math.max(Math.max(...lats) - Math.min(...lats), 0.002);
  const pad = 36; // room for the markers at the edges
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  // Centre the route's bounding box in the picture.
  const ox = (width - (Math.max(...lons) - Math.min(...lons)) * kx * scale) / 2;
  const oy = (height - (Math.max(...lats) - Math.min(...lats)) * scale) / 2;
  const x = (lon) => ox + (lon - Math.min(...lons)) * kx * scale;
  const y = (lat) => height - oy - (lat - Math.min(...lats)) * scale;
  const seen = new Map();
  const markers = points.map((p, index) => {
    const key = `${p.lat},${p.lon}`;
    const shift = (seen.get(key) || 0) * 14;
    seen.set(key, (seen.get(key) || 0) + 1);
    const cx = x(p.lon) + shift;
    const cy = y(p.lat);
    return h("g", { class: "marker" },
      h("title", {}, `${index + 1}. ${p.stop.site.name}`),
      h("circle", { cx, cy, r: 11 }),
      h("text", { x: cx, y: cy + 4, "text-anchor": "middle" }, String(index + 1)));
  });
  const line = points.map((p) => `${x(p.lon).toFixed(1)},${y(p.lat).toFixed(1)}`).join(" ");
  return h("svg", {
    class: "route-map", viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": t("mapLabel", { n: stops.length }),
  },
  h("rect", { x: 0, y: 0, width, height, class: "map-bg" }),
  h("polyline", { points: line, class: "route" }),
  markers);
}
