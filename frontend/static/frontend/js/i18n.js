// Interface texts in French (default) and English; the choice is remembered in localStorage.
// Each language's texts are a module of their own (texts-fr.js, texts-en.js): a page loads the
// reader's language only, before it is drawn (main.js) and when the reader switches.
const STORE_KEY = "va-lang";
const LOADED = {};

// The shell names each language's module by its hashed static address (frontend/views.py).
function textsUrl(lang) {
  const meta = document.querySelector('meta[name="va-texts"]');
  return meta?.dataset[lang] || new URL(`./texts-${lang}.js`, import.meta.url).href;
}

export async function loadTexts(lang = currentLang()) {
  if (!LOADED[lang]) LOADED[lang] = (await import(textsUrl(lang))).default;
}

export function currentLang() {
  const stored = localStorage.getItem(STORE_KEY);
  return stored === "en" || stored === "fr" ? stored : "fr";
}

export function setLang(lang) {
  localStorage.setItem(STORE_KEY, lang);
  document.documentElement.lang = lang;
}

export function t(key, params = {}) {
  const text = LOADED[currentLang()]?.[key] ?? LOADED.fr?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}
