// An itinerary: timeline, SVG map, notes, price and policy, availability calendar, booking form.
import { api } from "./api.js";
import { bookingForm } from "./bookingform.js";
import { quoteForm } from "./quoteform.js";
import { h, render, navigate } from "./dom.js";
import { dateLong, duration, languageName, money, monthTitle, offset, time, weekdayNames } from "./format.js";
import { t } from "./i18n.js";
import { routeOnMap } from "./map.js";

export async function showItinerary(slug) {
  const it = await api(`itineraries/${encodeURIComponent(slug)}/`);
  document.title = `${it.title} — Voyages apprenants`;
  const formSlot = h("div", { id: "booking-slot" }, h("p", { class: "hint" }, t("chooseDate")));
  const calendar = availabilityCalendar(it, (choice, participants) => {
    // Public buyers and schools ask for a quote first (procurement): the same choice, either form.
    const show = (asQuote) => {
      const form = asQuote ? quoteForm(it, choice, participants) : bookingForm(it, choice, participants);
      const other = choice.kind === "staggered" ? null : h("p", { class: "form-switch" },
        h("button", { type: "button", id: asQuote ? "switch-book" : "switch-quote", onclick: () => show(!asQuote) },
          t(asQuote ? "quoteSwitchBook" : "quoteSwitchAsk")),
        asQuote ? null : h("span", { class: "hint" }, ` ${t("quoteSwitchHint")}`));
      formSlot.replaceChildren(...[other, form].filter(Boolean));
      form.querySelector("h2")?.focus();
    };
    show(false);
  });
  render(
    h("p", {}, h("a", { href: "/", onclick: (e) => { e.preventDefault(); navigate("/"); } }, t("back"))),
    h("article", { class: "itinerary" },
      h("header", {},
        h("h1", {}, it.title),
        h("p", { class: "lead" }, it.summary),
        h("ul", { class: "facts" },
          h("li", {}, duration(it.duration_minutes)),
          h("li", {}, `${it.min_participants}–${it.max_participants} ${t("participants").toLowerCase()}`),
          h("li", {}, it.languages.map(languageName).join(", ")))),
      it.description ? h("p", {}, it.description) : null,
      h("div", { class: "two-cols" },
        h("section", { "aria-labelledby": "stops-title" },
          h("h2", { id: "stops-title" }, t("stops")),
          h("ol", { class: "timeline" }, it.stops.map((stop) => h("li", {},
            h("p", { class: "when" }, offset(stop.offset_minutes), " · ", duration(stop.duration_minutes)),
            h("h3", {}, stop.title),
            h("p", { class: "where" }, stop.site.name, " — ", stop.site.address),
            stop.text ? h("p", {}, stop.text) : null,
            stopAccess(stop),
            stop.site.safety_notes ? h("p", { class: "note" }, stop.site.safety_notes) : null)))),
        h("section", { "aria-labelledby": "map-title" },
          h("h2", { id: "map-title" }, t("map")), routeOnMap(it.stops),
          h("h2", {}, t("practical")),
          it.practical_notes ? h("p", {}, it.practical_notes) : null,
          h("p", {}, it.meeting_point),
          accessFacts(it.stops),
          it.includes ? h("div", {}, h("h3", {}, t("includes")), h("p", {}, it.includes)) : null,
          h("h2", {}, t("price")),
          h("p", { class: "price" }, t("perPerson", { price: money(it.price_per_person_cents) }),
            it.minimum_charge_cents ? `, ${t("minimumCharge", { price: money(it.minimum_charge_cents) })}` : "",
            ` · ${t("vat", { rate: Number(it.vat_rate) })}`),
          h("p", {}, t("deposit", { p: it.deposit_percent })),
          it.departure_minimum ? h("p", { class: "go-rule" }, t("goRule", { min: it.departure_minimum, d: it.decision_days })) : null,
          h("h3", {}, t("cancellation")),
          h("ul", {}, policyLines(it.cancellation_policy))))),
    h("section", { class: "availability", "aria-labelledby": "avail-title" },
      h("h2", { id: "avail-title" }, t("availability")), calendar),
    formSlot);
}

// A stop's access facts, those known (issue 18, item 2): on foot, climb, toilets, and what is
// offered to those who cannot do it. Nothing is said of what is not known.
function stopAccess(stop) {
  const facts = [];
  if (stop.walking_distance_m != null) facts.push(t("stopWalk", { m: stop.walking_distance_m }));
  if (stop.climb_m != null) facts.push(t("stopClimb", { m: stop.climb_m }));
  if (stop.site.toilets != null) facts.push(t(stop.site.toilets ? "stopToilets" : "stopNoToilets"));
  if (!facts.length && !stop.alternative) return null;
  return h("div", { class: "stop-access" },
    facts.length ? h("p", {}, facts.join(" · ")) : null,
    stop.alternative ? h("p", {}, h("strong", {}, t("stopAlternative")), " ", stop.alternative) : null);
}

// Before booking: the youngest age every site admits, and which stops have no step-free access.
function accessFacts(stops) {
  const age = Math.max(0, ...stops.map((stop) => stop.site.minimum_age || 0));
  const steps = stops.filter((stop) => !stop.site.wheelchair_accessible);
  return h("div", { class: "access-facts" },
    h("h3", {}, t("accessTitle")),
    h("ul", {},
      h("li", {}, age ? t("minimumAge", { age }) : t("noMinimumAge")),
      h("li", {}, steps.length
        ? t("notStepFree", { stops: steps.map((stop) => stop.title || stop.site.name).join(", ") })
        : t("stepFree"))));
}

function policyLines(tiers) {
  const sorted = [...tiers].sort((a, b) => b.days_before - a.days_before);
  return sorted.map((tier, i) => h("li", {}, i === sorted.length - 1 && i > 0
    ? t("refundLast", { d: sorted[i - 1].days_before, p: tier.refund_percent })
    : t("refundTier", { d: tier.days_before, p: tier.refund_percent })));
}

// ISO dates (YYYY-MM-DD) moved by whole days in UTC, so no daylight-saving shift can skip a day.
function isoDate(year, month, day) {
  return new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);
}

function addDays(iso, days) {
  const [y, m, d] = iso.split("-").map(Number);
  return isoDate(y, m - 1, d + days);
}

// The month as a WAI-ARIA grid: one tab stop (the roving cell), arrow keys move by day and week,
// Home/End to the week's ends, PageUp/PageDown change month; Enter goes to the day's times.
function availabilityCalendar(it, onChoose) {
  const today = new Date();
  let year = today.getFullYear();
  let month = today.getMonth();
  let participants = it.min_participants;
  let active = null; // the ISO date of the cell that holds the tab stop
  const grid = h("div", { class: "month", role: "grid", "aria-labelledby": "month-title", "aria-describedby": "grid-help" });
  const empty = h("p", { class: "hint" });
  const closures = h("div", { class: "closures" });
  const title = h("h3", { class: "month-title", id: "month-title", "aria-live": "polite" });
  // No max of the itinerary (1000 is the API's): a larger group may still get a private date, or a
  // quote; the answer's `group` says which, and the calendar shows it (sizeNote).
  const size = h("input", { id: "avail-size", type: "number", min: 1, max: 1000, inputmode: "numeric", value: participants, "aria-describedby": "avail-size-note" });
  const sizeNote = h("div", { id: "avail-size-note", class: "hint", "aria-live": "polite" });
  let loading = 0;

  const focusActive = () => grid.querySelector(`[data-date="${active}"]`)?.focus();

  const load = async ({ focus = false } = {}) => {
    const ticket = ++loading;
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const first = isoDate(year, month, 1);
    const last = isoDate(year, month, lastDay);
    title.textContent = monthTitle(year, month);
    const data = await api(`itineraries/${it.slug}/availability/?from=${first}&to=${last}&participants=${participants}`);
    if (ticket !== loading) return; // a later month was asked for meanwhile
    const byDate = new Map(data.days.map((day) => [day.date, day]));
    sizeNote.replaceChildren(...groupNote(it, data.group));
    const offsetDays = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7;
    const names = weekdayNames();
    const longNames = weekdayNames("long");
    const rows = [h("div", { role: "row", class: "week" },
      names.map((name, i) => h("div", { class: "dow", role: "columnheader", "aria-label": longNames[i] }, name)))];
    let cells = [];
    for (let i = 0; i < offsetDays; i += 1) cells.push(h("div", { class: "day empty", role: "gridcell" }));
    let anything = false;
    const closed = [];
    const days = [];
    for (let d = 1; d <= lastDay; d += 1) {
      const date = isoDate(year, month, d);
      const day = byDate.get(date) || { date, closed: "", departures: [], private_start_times: [] };
      days.push(day);
      if (day.closed) closed.push(h("li", {}, t("closedOn", { day: dateLong(day.date), reason: day.closed })));
      const slots = [
        ...day.departures.map((dep) => ({ kind: "departure", ...dep })),
        ...day.private_start_times.map((at) => ({ kind: "private", starts_at: at })),
        // Two groups on staggered times: the first group's time, then the second's.
        ...(day.staggered_start_times || []).map((pair) => ({ kind: "staggered", starts_at: pair[0], starts: pair, split: data.group.split })),
      ];
      // A departure shown greyed (too few seats for this group) is no date for it.
      anything ||= slots.some((slot) => slot.kind !== "departure" || slot.bookable);
      const offers = day.closed ? t("cellClosed", { reason: day.closed })
        : slots.length ? t("cellOffers", { n: slots.length }) : t("cellNothing");
      // The cell's name comes from its content (WCAG 2.5.3: it contains what is visible): the
      // date in words and what it offers for screen readers, then its times and why not.
      const why = dayWhyText(day, participants, data.group);
      cells.push(h("div", {
        class: `day${slots.length ? " has-slots" : ""}${day.closed ? " closed" : ""}`,
        role: "gridcell", tabindex: "-1", dataset: { date },
      },
      h("span", { class: "visually-hidden" }, `${dateLong(date)}, ${offers}.`),
      h("span", { class: "num", "aria-hidden": "true" }, d),
      day.closed ? h("span", { class: "closed-reason", "aria-hidden": "true" }, day.closed) : null,
      slots.map((slot) => slotButton(slot, day.date, participants, onChoose)),
      why ? h("span", { class: "why" }, why) : null));
      if (cells.length === 7) { rows.push(h("div", { role: "row", class: "week" }, cells)); cells = []; }
    }
    if (cells.length) {
      while (cells.length < 7) cells.push(h("div", { class: "day empty", role: "gridcell" }));
      rows.push(h("div", { role: "row", class: "week" }, cells));
    }
    if (!active || active.slice(0, 7) !== first.slice(0, 7)) {
      const todayIso = isoDate(today.getFullYear(), today.getMonth(), today.getDate());
      const withSlots = days.find((day) => day.departures.length || day.private_start_times.length || day.staggered_start_times?.length);
      active = withSlots?.date || (todayIso.slice(0, 7) === first.slice(0, 7) ? todayIso : first);
    }
    grid.replaceChildren(...rows);
    grid.querySelector(`[data-date="${active}"]`)?.setAttribute("tabindex", "0");
    empty.textContent = anything ? "" : t("noDates");
    closures.replaceChildren(...(closed.length ? [h("h4", {}, t("closedDays")), h("ul", {}, closed)] : []));
    if (focus) focusActive();
  };

  const showMonth = (y, m, options) => {
    const d = new Date(Date.UTC(y, m, 1));
    year = d.getUTCFullYear();
    month = d.getUTCMonth();
    return load(options);
  };
  const move = (delta) => { active = null; showMonth(year, month + delta); };
  const goTo = (iso) => {
    const [y, m] = iso.split("-").map(Number);
    active = iso;
    if (y === year && m - 1 === month) {
      grid.querySelectorAll('[role="gridcell"][tabindex="0"]').forEach((cell) => cell.setAttribute("tabindex", "-1"));
      grid.querySelector(`[data-date="${iso}"]`)?.setAttribute("tabindex", "0");
      focusActive();
    } else showMonth(y, m - 1, { focus: true });
  };
  grid.addEventListener("keydown", (event) => {
    const cell = event.target.closest?.('[role="gridcell"][data-date]');
    if (!cell || cell !== event.target) return; // keys inside a time button stay the button's
    const date = cell.dataset.date;
    const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
    const [y, m, d] = date.split("-").map(Number);
    const inMonth = (yy, mm) => {
      const lastDay = new Date(Date.UTC(yy, mm + 1, 0)).getUTCDate();
      return isoDate(yy, mm, Math.min(d, lastDay));
    };
    const targets = {
      ArrowLeft: () => addDays(date, -1), ArrowRight: () => addDays(date, 1),
      ArrowUp: () => addDays(date, -7), ArrowDown: () => addDays(date, 7),
      Home: () => addDays(date, -weekday), End: () => addDays(date, 6 - weekday),
      PageUp: () => inMonth(y, m - 2), PageDown: () => inMonth(y, m),
    };
    if (targets[event.key]) {
      event.preventDefault();
      goTo(targets[event.key]());
    } else if (event.key === "Enter" || event.key === " ") {
      const slot = cell.querySelector("button.slot:not([disabled])");
      if (slot) { event.preventDefault(); slot.focus(); }
    }
  });
  grid.addEventListener("focusin", (event) => {
    const cell = event.target.closest('[role="gridcell"][data-date]');
    if (cell && cell.dataset.date !== active) {
      grid.querySelectorAll('[role="gridcell"][tabindex="0"]').forEach((c) => c.setAttribute("tabindex", "-1"));
      cell.setAttribute("tabindex", "0");
      active = cell.dataset.date;
    }
  });
  // The size typed is the size asked for, on every keystroke (debounced), not only on "change";
  // it used to be dropped silently when above the public maximum, keeping the old size.
  let typing;
  const sizeChanged = () => {
    clearTimeout(typing);
    const typed = Number(size.value);
    if (!Number.isInteger(typed) || typed < 1 || typed > 1000) return;
    typing = setTimeout(() => { if (typed !== participants) { participants = typed; load(); } }, 250);
  };
  size.addEventListener("input", sizeChanged);
  size.addEventListener("change", sizeChanged);
  load();
  return h("div", {},
    h("div", { class: "field inline" }, h("label", { for: "avail-size" }, t("participants")), size),
    sizeNote,
    h("div", { class: "month-nav" },
      h("button", { type: "button", onclick: () => move(-1), "aria-label": t("previousMonth") }, "‹"),
      title,
      h("button", { type: "button", onclick: () => move(1), "aria-label": t("nextMonth") }, "›")),
    h("p", { class: "visually-hidden", id: "grid-help" }, t("cellHelp")),
    grid, empty, closures);
}

function slotButton(slot, date, participants, onChoose) {
  const day = dateLong(date);
  if (slot.kind === "departure") {
    const go = goShort(slot.go_no_go);
    const more = `(${languageName(slot.language)}) · ${slot.seats_left ? t("seatsLeft", { n: slot.seats_left }) : t("full")}${go ? ` · ${go}` : ""}`;
    const label = `${t("departureAt", { time: time(slot.starts_at), lang: languageName(slot.language) })} · ${slot.seats_left ? t("seatsLeft", { n: slot.seats_left }) : t("full")}${go ? ` · ${go}` : ""}`;
    return h("button", { type: "button", class: "slot", disabled: !slot.bookable, "aria-label": `${day}, ${label}`,
      onclick: () => onChoose(slot, participants) },
    h("span", { class: "slot-time" }, time(slot.starts_at)), " ", h("span", { class: "slot-more" }, more));
  }
  if (slot.kind === "staggered") {
    const [a, b] = slot.split;
    const label = t("staggeredAt", { a, b, t1: time(slot.starts[0]), t2: time(slot.starts[1]) });
    // The spoken name starts with the visible words (WCAG 2.5.3, label in name), then says more.
    const seen = `${time(slot.starts[0])} + ${time(slot.starts[1])} ${t("staggeredShort")}`;
    return h("button", { type: "button", class: "slot private staggered", "aria-label": `${day}, ${seen}, ${label}`,
      onclick: () => onChoose(slot, participants) },
    h("span", { class: "slot-time" }, h("span", {}, time(slot.starts[0])), " + ", h("span", {}, time(slot.starts[1]))), " ",
    h("span", { class: "slot-more" }, t("staggeredShort")));
  }
  // The spoken name holds the visible words in their order (WCAG 2.5.3, label in name).
  const label = `${time(slot.starts_at)} ${t("privateShort")}`;
  return h("button", { type: "button", class: "slot private", "aria-label": `${day}, ${label}`,
    onclick: () => onChoose(slot, participants) },
  h("span", { class: "slot-time" }, time(slot.starts_at)), " ", h("span", { class: "slot-more" }, t("privateShort")));
}

// A public departure's minimum in a few words (the answer's `go_no_go`; null: no minimum).
function goShort(go) {
  if (!go) return "";
  if (go.confirmed) return t("goConfirmed");
  return go.participants_needed ? t("goNeeds", { n: go.participants_needed }) : t("goReached");
}

// What the itinerary offers a group of this size (the availability's `group`).
function groupNote(it, group) {
  if (!group) return [];
  if (group.fits === "quote") {
    const subject = encodeURIComponent(t("quoteSubject", { title: it.title, n: group.participants }));
    return [h("p", { class: "note quote" }, t("groupQuote", { n: group.participants, max: group.largest_private_group }), " ",
      h("a", { id: "quote-request", href: `mailto:${group.office_email}?subject=${subject}` }, t("quoteRequest", { email: group.office_email })))];
  }
  const lines = [];
  if (group.fits === "staggered") {
    const [a, b] = group.split;
    lines.push(t("groupStaggered", { n: group.participants, max: group.largest_private_group, a, b, m: group.stagger_minutes }));
  }
  if (group.fits === "private") lines.push(t("groupPrivate", { n: group.participants, max: group.largest_public_group }));
  if (group.guides_needed > 1) lines.push(t("groupGuides", { g: group.guides_needed }));
  return lines.map((line) => h("p", {}, line));
}

// Why a day offers nothing to this group: departures too small, or no private time and why.
function dayWhyText(day, participants, group) {
  // A group nothing fits (a quote) is told so once, above the grid, not on every departure.
  const anyFit = !group || group.fits !== "quote";
  const reasons = day.departures.filter((d) => anyFit && !d.bookable && d.seats_left > 0)
    .map((d) => t("whySeats", { left: d.seats_left, n: participants }));
  // Reasons of the whole group (too large, too small, language) are said once, above the grid.
  if (!day.private_start_times.length && ["site_capacity", "no_guide"].includes(day.private_unavailable)) {
    reasons.push(t(`why_${day.private_unavailable}`));
  }
  if (!day.staggered_start_times?.length && ["site_capacity", "no_guide"].includes(day.staggered_unavailable)) {
    reasons.push(t(`why_${day.staggered_unavailable}`));
  }
  return reasons.join(" · ");
}
