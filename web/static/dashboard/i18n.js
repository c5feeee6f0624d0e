// Texts in Vietnamese and English (i18n.json), the chosen language, and number/date formats.
const STORAGE_KEY = "crm.dashboard.lang";
export const LANGUAGES = ["vi", "en"];

let strings = { en: {}, vi: {} };
let current = "en";
const listeners = [];

export async function loadStrings() {
  const response = await fetch("/dashboard/i18n.json", { cache: "no-cache" });
  strings = await response.json();
}

// The saved choice, else the first of the browser's preferred languages we have, else English.
export function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const preferred = navigator.languages && navigator.languages.length
    ? navigator.languages : [navigator.language || "en"];
  for (const tag of preferred) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

export function language() {
  return current;
}

export function setLanguage(lang, { remember = true } = {}) {
  current = LANGUAGES.includes(lang) ? lang : "en";
  if (remember) localStorage.setItem(STORAGE_KEY, current);
  document.documentElement.lang = current;
  translate(document);
  for (const listener of listeners) listener(current);
}

export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function t(key, vars = {}) {
  const text = strings[current]?.[key] ?? strings.en?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function translate(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

function locale() {
  return current === "vi" ? "vi-VN" : "en-GB";
}

export function money(amount, currency = "VND") {
  if (amount === null || amount === undefined || amount === "") return "";
  try {
    return new Intl.NumberFormat(locale(), {
      style: "currency",
      currency,
      maximumFractionDigits: currency === "VND" ? 0 : 2,
    }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

// {"VND": "1500000", "USD": "20"} → "1.500.000 ₫ · 20,00 US$"
export function amounts(byCurrency) {
  const parts = Object.entries(byCurrency || {}).map(([c, a]) => money(a, c));
  return parts.length ? parts.join(" · ") : money(0);
}

export function number(value) {
  return new Intl.NumberFormat(locale()).format(Number(value || 0));
}

export function dateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "short" })
    .format(new Date(iso));
}

export function timeOfDay(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(locale(), { timeStyle: "short" }).format(new Date(iso));
}

export function day(isoDate) {
  if (!isoDate) return "";
  // A due date is a calendar day: read it as noon so no time zone moves it to another day.
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short" })
    .format(new Date(`${isoDate}T12:00:00`));
}

// A dictionary entry's name in the current language (nameVi / nameEn), else its code.
export function named(entry, code) {
  if (!entry) return code || "";
  return (current === "vi" ? entry.nameVi : entry.nameEn) || code;
}
