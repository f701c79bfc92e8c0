// The contribution form (frontend/contribute.py): place the point on the map, send the form
// (multipart, with its photo) to /api/v1/contributions/, show each error next to its field.
import { api, ApiError } from "./api.js";
import { loadLeaflet } from "./sitemap.js";

const form = document.getElementById("contribute-form");
const $ = (id) => document.getElementById(id);
const text = (tag, content) => Object.assign(document.createElement(tag), { textContent: content });

async function picker() {
  const host = $("c-map");
  const L = await loadLeaflet();
  if (!L) { host.hidden = true; return; } // the typed coordinates stay
  const b = host.dataset;
  const map = L.map(host, { scrollWheelZoom: false, maxZoom: 18 }).fitBounds([[b.south, b.west], [b.north, b.east]]);
  const tiles = document.querySelector('meta[name="va-map"]').dataset;
  if (tiles.tiles) L.tileLayer(tiles.tiles, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
  let marker = null;
  map.on("click", ({ latlng }) => {
    marker = marker ? marker.setLatLng(latlng) : L.marker(latlng, { keyboard: false }).addTo(map);
    $("c-latitude").value = latlng.lat.toFixed(5);
    $("c-longitude").value = latlng.lng.toFixed(5);
    $("c-errors").hidden = true;
    host.setAttribute("aria-description", form.dataset.picked);
  });
}

function showErrors(error) {
  const box = $("c-errors");
  const rows = error instanceof ApiError && error.errors.length ? error.errors : [{ message: error instanceof ApiError ? error.message : form.dataset.failed }];
  const general = [];
  let first = null;
  for (const row of rows) {
    const slot = row.field && $(`c-${row.field}-error`);
    if (slot) {
      slot.textContent = row.message;
      $(`c-${row.field}`).setAttribute("aria-invalid", "true");
      first ||= $(`c-${row.field}`);
    } else general.push(row.message);
  }
  box.replaceChildren(text("p", form.dataset.errors), ...general.map((m) => text("p", m)));
  box.hidden = false;
  (first || box).focus();
}

if (form) {
  picker();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[type=submit]");
    if (button.disabled) return;
    form.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    button.disabled = true;
    try {
      await api("contributions/", { method: "POST", body: new FormData(form) });
      form.hidden = true;
      const sent = $("contribute-sent");
      sent.textContent = form.dataset.sent;
      sent.hidden = false;
      sent.focus();
    } catch (error) {
      showErrors(error);
    } finally {
      button.disabled = false;
    }
  });
}
