// Dates, times and amounts formatted with Intl for the page's language, in Paris time.
import { currentLang } from "./i18n.js";

const TZ = "Europe/Paris";
const locale = () => (currentLang() === "en" ? "en-GB" : "fr-FR");

export function money(cents) {
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR" }).format(cents / 100);
}

export function dateLong(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeZone: TZ }).format(new Date(iso));
}

export function dateTime(iso) {
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeStyle: "short", timeZone: TZ }).format(new Date(iso));
}

export function time(iso) {
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short", timeZone: TZ }).format(new Date(iso));
}

export function monthTitle(year, month) {
  return new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month, 1)));
}

export function weekdayNames(style = "short") {
  const base = Date.UTC(2024, 0, 1); // a Monday
  return [...Array(7).keys()].map((i) =>
    new Intl.DateTimeFormat(locale(), { weekday: style, timeZone: "UTC" }).format(new Date(base + i * 864e5)));
}

export function duration(minutes) {
  if (minutes >= 24 * 60) return `${Math.ceil(minutes / (24 * 60))} ${currentLang() === "en" ? "days" : "jours"}`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${String(m).padStart(2, "0")}` : `${h} h`;
}

export function offset(minutes) {
  const day = Math.floor(minutes / 1440);
  const rest = minutes % 1440;
  const text = `${Math.floor(rest / 60)} h ${String(rest % 60).padStart(2, "0")}`;
  return day ? `${currentLang() === "en" ? "Day" : "Jour"} ${day + 1}, +${text}` : `+${text}`;
}

export function languageName(code) {
  return new Intl.DisplayNames([locale()], { type: "language" }).of(code) ?? code;
}
