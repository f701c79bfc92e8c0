// The group's named participants (bookings/participants.py): the organiser's list on the
// booking page, the self-registration link it shares, and the page behind that link.
import { api, ApiError } from "./api.js";
import { h, render, announce } from "./dom.js";
import { dateLong, dateTime } from "./format.js";
import { t } from "./i18n.js";

const CATEGORIES = ["pupil", "adult", "accompanying_staff", "elected_official", "employee"];
const NEEDS = ["reduced_mobility", "diet", "hearing", "sight", "other"];

// The inputs of one participant; ``prefix`` keeps ids unique, ``index`` ties API errors
// (field "participants.<index>.<name>") to the input they are about.
function entryFields(prefix, entry) {
  const id = (name) => `${prefix}-${name}`;
  const err = (name) => h("p", { class: "field-error", id: id(`${name}-error`) });
  const name = h("input", { id: id("name"), value: entry.name || "", autocomplete: "off", required: true, "aria-describedby": id("name-error") });
  const category = h("select", { id: id("category"), "aria-describedby": id("category-error") },
    CATEGORIES.map((code) => h("option", { value: code, selected: (entry.category || "pupil") === code }, t(`cat_${code}`))));
  const email = h("input", { id: id("email"), type: "email", value: entry.email || "", autocomplete: "off", "aria-describedby": id("email-error") });
  const needs = entry.needs || {};
  const boxes = NEEDS.map((code) => h("input", { type: "checkbox", id: id(`need-${code}`), checked: !!needs[code] }));
  const details = h("input", { id: id("details"), value: needs.details || "", autocomplete: "off", "aria-describedby": id("details-error") });
  const errors = { name: err("name"), category: err("category"), email: err("email"), details: err("details") };
  const inputs = { name, category, email, details };
  const node = h("div", { class: "participant-fields" },
    h("div", { class: "field" }, h("label", { for: id("name") }, t("pName")), name, errors.name),
    h("div", { class: "field" }, h("label", { for: id("category") }, t("pCategory")), category, errors.category),
    h("div", { class: "field" }, h("label", { for: id("email") }, t("pEmail")), email, errors.email),
    h("fieldset", { class: "needs" }, h("legend", {}, t("pNeeds")),
      NEEDS.map((code, i) => h("label", { class: "check" }, boxes[i], " ", t(`need_${code}`))),
      h("div", { class: "field" }, h("label", { for: id("details") }, t("pNeedsDetails")), details, errors.details)));
  return {
    node,
    value: () => {
      const need = Object.fromEntries(NEEDS.map((code, i) => [code, boxes[i].checked]));
      const out = { name: name.value.trim(), category: category.value, email: email.value.trim(), needs: { ...need, details: details.value.trim() } };
      if (entry.id) out.id = entry.id;
      return out;
    },
    clear: () => { Object.values(errors).forEach((e) => { e.textContent = ""; }); Object.values(inputs).forEach((i) => i.removeAttribute("aria-invalid")); },
    fail: (field, message) => {
      const key = field === "needs.details" ? "details" : field;
      const target = inputs[key] || name;
      (errors[key] || errors.name).textContent = message;
      target.setAttribute("aria-invalid", "true");
      return target;
    },
  };
}

function warningsNode(warnings) {
  return h("div", { id: "participants-warnings" }, (warnings || []).map((w) => h("p", { class: "alert", role: "alert" }, w.message)));
}

// On the organiser's page: the list, filled in once the API answers.
export function participantsSection(booking, token) {
  const section = h("section", { id: "participants-section", "aria-labelledby": "participants-title" },
    h("h2", { id: "participants-title" }, t("pTitle")), h("p", {}, t("loading")));
  load(section, booking, token);
  return section;
}

async function load(section, booking, token) {
  let list;
  try {
    list = await api(`bookings/${booking.reference}/participants/`, { token });
  } catch (error) {
    section.replaceChildren(h("h2", { id: "participants-title" }, t("pTitle")), h("p", { class: "alert" }, error.message));
    return;
  }
  drawList(section, booking, token, list);
}

function drawList(section, booking, token, list) {
  const rows = [];
  const container = h("div", { id: "participant-rows" });
  const count = h("p", { id: "participants-count" });
  const formError = h("p", { class: "field-error", id: "participants-error", role: "alert" });
  let serial = 0;
  const refresh = () => { count.textContent = t("pCount", { n: rows.length, head: list.head_count }); addButton.disabled = list.locked || rows.length >= list.head_count; };
  const addRow = (entry) => {
    const fields = entryFields(`p${serial++}`, entry);
    const remove = h("button", { type: "button", class: "link-button", disabled: list.locked }, t("pRemove"));
    const row = { entry, fields, node: h("fieldset", { class: "participant" }, h("legend", {}, entry.name || t("pNew")), fields.node, remove) };
    remove.addEventListener("click", () => { rows.splice(rows.indexOf(row), 1); row.node.remove(); refresh(); });
    rows.push(row);
    container.append(row.node);
    refresh();
    return fields;
  };
  const addButton = h("button", { type: "button", id: "participant-add", onclick: () => addRow({}).node.querySelector("input").focus() }, t("pAdd"));
  list.participants.forEach(addRow);
  const save = h("button", { type: "submit", class: "primary", id: "participants-save", disabled: list.locked }, t("pSave"));
  const form = h("form", { id: "participants-form", novalidate: true }, container, h("p", { class: "actions" }, addButton, " ", save), formError);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    formError.textContent = "";
    rows.forEach((row) => row.fields.clear());
    try {
      const answer = await api(`bookings/${booking.reference}/participants/`, { method: "PUT", token, body: { participants: rows.map((row) => row.fields.value()) } });
      drawList(section, booking, token, answer);
      announce(t("pSaved"));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      let first = null;
      for (const row of error.errors) {
        const match = /^participants\.(\d+)\.(.+)$/.exec(row.field || "");
        if (!match || !rows[Number(match[1])]) continue;
        const input = rows[Number(match[1])].fields.fail(match[2], row.message);
        first = first || input;
      }
      formError.textContent = first ? t("pFixFields") : (error.errors[0] ? error.errors[0].message : error.message);
      if (first) first.focus();
    }
  });
  section.replaceChildren(
    h("h2", { id: "participants-title" }, t("pTitle")),
    h("p", {}, t("pIntro")),
    count,
    h("p", { id: "participants-lock" }, list.locked ? t("pLocked", { date: dateTime(list.lock_at) }) : t("pLockAt", { date: dateLong(list.lock_at) })),
    warningsNode(list.warnings),
    form,
    registrationLinkBlock(booking, token, list));
  refresh();
}

function registrationLinkBlock(booking, token, list) {
  const block = h("div", { id: "registration-link", class: "share-link" });
  const status = h("p", { id: "registration-status", role: "status" });
  const draw = (url) => {
    const active = url || list.registration_link.active;
    const field = url ? h("input", { id: "registration-url", type: "text", readonly: true, value: url }) : null;
    const copy = url ? h("button", { type: "button", id: "registration-copy", onclick: async () => {
      field.select();
      try { await navigator.clipboard.writeText(url); announce(t("shareCopied")); } catch { /* selected: copy by hand */ }
    } }, t("shareCopy")) : null;
    const make = h("button", { type: "button", id: "registration-create", disabled: list.locked, onclick: () => post(false) }, active ? t("pLinkNew") : t("pLinkCreate"));
    const revoke = active ? h("button", { type: "button", class: "danger", id: "registration-revoke", onclick: () => post(true) }, t("pLinkRevoke")) : null;
    // replaceChildren would write a missing part (null) as the text "null".
    block.replaceChildren(...[
      h("h3", {}, t("pLinkTitle")),
      h("p", {}, t("pLinkText")),
      url ? h("label", { for: "registration-url" }, t("pLinkLabel")) : null,
      url ? h("div", { class: "inline-form share-row" }, field, copy) : (active ? h("p", { class: "hint" }, t("pLinkActive")) : null),
      h("p", { class: "actions" }, make, " ", revoke),
      status].filter(Boolean));
  };
  const post = async (revoke) => {
    try {
      const answer = await api(`bookings/${booking.reference}/registration-link/`, { method: "POST", token, body: { revoke } });
      list.registration_link.active = answer.active;
      draw(answer.url);
      announce(revoke ? t("pLinkRevoked") : t("pLinkMade"));
    } catch (error) {
      status.textContent = error.message;
    }
  };
  draw(null);
  return block;
}

// The page behind the self-registration link: the visit, the places left, one's own entry.
const SECRET_KEY = (reference) => `va-participant-${reference}`;

export async function showRegistration(reference, token) {
  document.title = `${t("rTitle")} — Voyages apprenants`;
  let info;
  try {
    info = await api(`bookings/${reference}/registration/`, { headers: { "X-Registration-Token": token || "" } });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render(h("h1", {}, t("rTitle")), h("p", { class: "alert", id: "registration-closed" }, t("rClosed")));
      return;
    }
    throw error;
  }
  let mine = null;
  try { mine = JSON.parse(localStorage.getItem(SECRET_KEY(reference)) || "null"); } catch { mine = null; }
  let entry = {};
  if (mine) {
    try { entry = await api(`bookings/${reference}/registration/${mine.id}/`, { headers: { "X-Participant-Secret": mine.secret } }); } catch { mine = null; entry = {}; }
  }
  const fields = entryFields("r", entry);
  const places = h("p", { id: "registration-places" }, t("rPlaces", { n: info.places_left }));
  const status = h("div", { id: "registration-result", role: "status" });
  const formError = h("p", { class: "field-error", id: "registration-error", role: "alert" });
  const closed = info.locked || (!mine && info.places_left <= 0);
  const submit = h("button", { type: "submit", class: "primary", id: "registration-submit", disabled: closed }, mine ? t("rUpdate") : t("rSubmit"));
  const form = h("form", { id: "registration-form", novalidate: true }, fields.node, h("p", {}, submit), formError);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fields.clear();
    formError.textContent = "";
    try {
      const body = fields.value();
      delete body.id;
      const answer = mine
        ? await api(`bookings/${reference}/registration/${mine.id}/`, { method: "PUT", body, headers: { "X-Participant-Secret": mine.secret } })
        : await api(`bookings/${reference}/registration/`, { method: "POST", body, headers: { "X-Registration-Token": token } });
      if (!mine) {
        places.textContent = t("rPlaces", { n: Math.max(info.places_left - 1, 0) });
        mine = { id: answer.participant.id, secret: answer.secret };
        try { localStorage.setItem(SECRET_KEY(reference), JSON.stringify(mine)); } catch { /* storage off */ }
        submit.textContent = t("rUpdate");
      }
      status.replaceChildren(h("p", { class: "ok" }, t("rDone", { name: answer.participant.name })), warningsNode(answer.warnings));
      announce(t("rDone", { name: answer.participant.name }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      let first = null;
      for (const row of error.errors) {
        if (!["name", "category", "email", "needs.details"].includes(row.field)) continue;
        const input = fields.fail(row.field, row.message);
        first = first || input;
      }
      formError.textContent = first ? t("pFixFields") : (error.errors[0] ? error.errors[0].message : error.message);
      if (first) first.focus();
    }
  });
  render(
    h("h1", {}, t("rTitle")),
    h("p", {}, h("strong", {}, info.itinerary)),
    h("p", {}, dateTime(info.starts_at)),
    places,
    h("p", {}, info.locked ? t("pLocked", { date: dateTime(info.lock_at) }) : t("pLockAt", { date: dateLong(info.lock_at) })),
    h("p", { class: "hint" }, t("rPrivacy")),
    form,
    status);
}
