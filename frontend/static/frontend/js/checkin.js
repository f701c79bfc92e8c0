// Check-in on the guide's phone (issue 18): today's visits, tick who came, or count a group
// without names. Each tick gets its own client_id and goes into a queue kept in localStorage;
// the queue is sent at once and, when the signal drops (on the slag heap), kept and sent again
// when the browser is back online. The server counts a tick sent twice once and keeps, per
// person, the latest tick (visits/checkins.py), so sending the whole queue again is safe.
// Walk-ins (people who came with a group without being on its list) are a number per group; all
// groups' walk-ins together fit in the departure's seats left (checked here and on the server).
import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";

const QUEUE_PREFIX = "va-checkins-";

function clientId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // works outside secure contexts too, unlike randomUUID
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function readQueue(departure) {
  try { return JSON.parse(localStorage.getItem(QUEUE_PREFIX + departure) || "[]"); } catch { return []; }
}

function writeQueue(departure, ticks) {
  if (ticks.length) localStorage.setItem(QUEUE_PREFIX + departure, JSON.stringify(ticks));
  else localStorage.removeItem(QUEUE_PREFIX + departure);
}

// One visit's check-in panel, from its manifest (GET /guides/me/visits/).
export function checkInPanel(manifest) {
  const departure = manifest.departure;
  const status = h("p", { class: "checkin-status", role: "status", "aria-live": "polite" });
  const attended = h("p", { class: "checkin-total" });
  let attendance = manifest.attendance || {};

  const showTotal = () => {
    const total = Object.values(attendance).reduce((sum, group) => sum + group.attended, 0);
    attended.textContent = t("checkinTotal", { n: total, of: manifest.head_count });
  };
  const showQueue = (offline) => {
    const waiting = readQueue(departure).length;
    status.textContent = waiting ? t(offline ? "checkinOffline" : "checkinSending", { n: waiting }) : t("checkinSaved");
  };

  // One send at a time: a tick made while a send is on its way is sent when it comes back, so
  // that answers arrive in order and an older answer never shows a total without the newer tick.
  let sending = null;
  let again = false;
  const flush = async () => {
    if (sending) { again = true; return; }
    sending = sendQueue();
    try { await sending; } finally { sending = null; }
    if (again) { again = false; await flush(); }
  };
  const sendQueue = async () => {
    const queue = readQueue(departure);
    if (!queue.length) { showQueue(false); return; }
    if (!navigator.onLine) { showQueue(true); return; }
    try {
      const answer = await api(`guides/me/visits/${departure}/check-ins/`, { method: "POST", body: { check_ins: queue } });
      // Only what was sent leaves the queue: a tick made meanwhile waits for the next send.
      const sent = new Set(queue.map((tick) => tick.client_id));
      writeQueue(departure, readQueue(departure).filter((tick) => !sent.has(tick.client_id)));
      attendance = answer.attendance;
      showTotal();
      showQueue(false);
    } catch (error) {
      if (error instanceof ApiError) {
        // Refused by the server (not a lost signal): sending it again would be refused again.
        writeQueue(departure, []);
        status.textContent = t("checkinRefused", { msg: error.message });
      } else {
        showQueue(true); // no network: kept, sent again when the browser is back online
      }
    }
  };
  const tick = (fields) => {
    writeQueue(departure, [...readQueue(departure), { client_id: clientId(), at: new Date().toISOString(), ...fields }]);
    flush();
  };
  window.addEventListener("online", flush);

  // What the page shows: the server's attendance, then the ticks still waiting in the queue
  // (made offline, perhaps before the page was opened again from the phone's copy).
  const waiting = readQueue(departure);
  const latestTick = (match) => waiting.filter(match).at(-1);
  const walkIns = {};
  const room = h("p", { class: "checkin-room" });
  const showRoom = () => {
    const taken = Object.values(walkIns).reduce((sum, n) => sum + n, 0);
    room.textContent = t("checkinSeatsLeft", { n: Math.max(manifest.seats_left - taken, 0) });
  };
  const walkInField = (group) => {
    const ref = group.reference;
    walkIns[ref] = latestTick((tick) => tick.booking === ref && "walk_ins" in tick)?.walk_ins
      ?? attendance[ref]?.walk_ins ?? 0;
    const id = `walkins-${ref}`;
    const input = h("input", { id, type: "number", min: 0, inputmode: "numeric", value: walkIns[ref] });
    input.addEventListener("change", () => {
      const n = Number(input.value);
      const others = Object.entries(walkIns).reduce((sum, [key, v]) => sum + (key === ref ? 0 : v), 0);
      const max = Math.max(manifest.seats_left - others, 0);
      if (input.value === "" || !Number.isInteger(n) || n < 0 || n > max) {
        status.textContent = t("checkinWalkInsInvalid", { max, left: manifest.seats_left });
        return;
      }
      if (n === walkIns[ref]) return; // the same number again (a second change event): no tick
      walkIns[ref] = n;
      showRoom();
      tick({ booking: ref, walk_ins: n });
    });
    return h("div", { class: "field checkin-walkins" }, h("label", { for: id }, t("checkinWalkIns", { group: group.organisation })), input);
  };
  const groups = manifest.groups.map((group) => [groupField(group), walkInField(group)]);
  showRoom();
  showTotal();
  flush();
  return h("section", { class: "checkin", "aria-label": t("checkinTitle") },
    h("h4", {}, t("checkinTitle")), attended, groups, room, status);

  function groupField(group) {
    const done = attendance[group.reference] || { present: [], counted: null };
    if (group.participants.length) {
      return h("fieldset", { class: "checkin-group" }, h("legend", {}, `${group.organisation} (${group.reference})`),
        group.participants.map((person) => h("label", { class: "check" },
          h("input", { type: "checkbox", checked: (latestTick((tick) => tick.participant === person.id)?.present ?? done.present.includes(person.id)) || null,
            onchange: (event) => tick({ participant: person.id, present: event.target.checked }) }),
          ` ${person.name}`)));
    }
    const id = `count-${group.reference}`;
    const input = h("input", { id, type: "number", min: 0, max: group.head_count, inputmode: "numeric",
      value: latestTick((tick) => tick.booking === group.reference && "count" in tick)?.count ?? done.counted ?? "" });
    input.addEventListener("change", () => {
      const n = Number(input.value);
      if (!Number.isInteger(n) || n < 0 || n > group.head_count) {
        status.textContent = t("checkinCountInvalid", { max: group.head_count });
        return;
      }
      tick({ booking: group.reference, count: n });
    });
    return h("div", { class: "field checkin-group" },
      h("label", { for: id }, t("checkinCount", { group: group.organisation, n: group.head_count })), input);
  }
}
