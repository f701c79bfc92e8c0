// A booking's token, kept in this browser tab's session storage so that the booking page still
// opens when Stripe Checkout sends the group back (its return address carries no secret).
const KEY = (reference) => `va-booking-${reference}`;

export function rememberToken(reference, token) {
  try { sessionStorage.setItem(KEY(reference), token); } catch { /* storage off: the link still works */ }
}

export function recallToken(reference) {
  try { return sessionStorage.getItem(KEY(reference)); } catch { return null; }
}
