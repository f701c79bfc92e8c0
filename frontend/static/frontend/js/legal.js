// The server-rendered legal pages: remember their language for the web app, send the contact form.
import { api, ApiError } from "./api.js";

const lang = document.documentElement.lang === "en" ? "en" : "fr";
try { localStorage.setItem("va-lang", lang); } catch { /* storage off: the app starts in French */ }

const form = document.getElementById("contact-form");
if (form) {
  const errorBox = document.getElementById("contact-errors");
  const sent = document.getElementById("contact-sent");
  const button = form.querySelector("button[type=submit]");

  const clearErrors = () => {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    form.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  };

  const showErrors = (error) => {
    const rows = error instanceof ApiError && error.errors.length ? error.errors : [{ field: null, message: form.dataset.failed }];
    const general = [];
    let first = null;
    for (const row of rows) {
      const control = row.field ? form.querySelector(`#c-${CSS.escape(row.field)}`) : null;
      const slot = row.field ? form.querySelector(`#c-${CSS.escape(row.field)}-error`) : null;
      if (slot && control) {
        slot.textContent = row.message;
        control.setAttribute("aria-invalid", "true");
        first ||= control;
      } else general.push(row.message || error.message);
    }
    const heading = document.createElement("p");
    heading.textContent = form.dataset.errors;
    errorBox.replaceChildren(heading, ...general.map((message) => {
      const p = document.createElement("p");
      p.textContent = message;
      return p;
    }));
    errorBox.hidden = false;
    (first || errorBox).focus();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors();
    button.disabled = true;
    const data = new FormData(form);
    const body = Object.fromEntries(["name", "email", "organisation", "subject", "message", "website"].map((name) => [name, String(data.get(name) || "")]));
    try {
      await api("contact/", { method: "POST", body });
      form.hidden = true;
      sent.textContent = form.dataset.sent;
      sent.hidden = false;
      sent.tabIndex = -1;
      sent.focus();
    } catch (error) {
      showErrors(error);
    } finally {
      button.disabled = false;
    }
  });
}
