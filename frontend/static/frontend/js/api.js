// The public API, with problem+json errors turned into ApiError (status, code, field errors).
import { currentLang } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.errors = this.body.errors || [];
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function api(path, { method = "GET", body, token, idempotencyKey, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang(), ...extra };
  const form = body instanceof FormData; // a file upload: the browser writes its own type
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (token) headers["X-Booking-Token"] = token;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(`/api/v1/${path}`, {
    method, headers, credentials: "same-origin",
    body: body === undefined || form ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
