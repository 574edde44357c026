/**
 * Mastodon translates its validation messages (Rails' `activerecord.errors`) into the request's
 * language: the `lang` parameter, else `Accept-Language`. We do the same for the messages every
 * form shares; anything else, and any language not listed, stays English. Error codes in
 * `details` never change.
 */

type Code = "ERR_BLANK" | "ERR_INVALID" | "ERR_TOO_LONG" | "ERR_TOO_SHORT" | "ERR_TAKEN" | "ERR_ACCEPTED" | "ERR_INCLUSION";

interface Messages {
  /** `%{errors}` is the joined list of sentences. */
  failed: string;
  codes: Record<Code, string>;
}

const MESSAGES: Record<string, Messages> = {
  de: {
    failed: "Gültigkeitsprüfung ist fehlgeschlagen: %{errors}",
    codes: {
      ERR_BLANK: "muss ausgefüllt werden",
      ERR_INVALID: "ist nicht gültig",
      ERR_TOO_LONG: "ist zu lang (mehr als %{count} Zeichen)",
      ERR_TOO_SHORT: "ist zu kurz (weniger als %{count} Zeichen)",
      ERR_TAKEN: "ist bereits vergeben",
      ERR_ACCEPTED: "muss akzeptiert werden",
      ERR_INCLUSION: "ist kein gültiger Wert",
    },
  },
  fr: {
    failed: "La validation a échoué : %{errors}",
    codes: {
      ERR_BLANK: "doit être rempli(e)",
      ERR_INVALID: "n'est pas valide",
      ERR_TOO_LONG: "est trop long (pas plus de %{count} caractères)",
      ERR_TOO_SHORT: "est trop court (au moins %{count} caractères)",
      ERR_TAKEN: "n'est pas disponible",
      ERR_ACCEPTED: "doit être accepté(e)",
      ERR_INCLUSION: "n'est pas inclus(e) dans la liste",
    },
  },
  es: {
    failed: "La validación falló: %{errors}",
    codes: {
      ERR_BLANK: "no puede estar en blanco",
      ERR_INVALID: "no es válido",
      ERR_TOO_LONG: "es demasiado largo (%{count} caracteres máximo)",
      ERR_TOO_SHORT: "es demasiado corto (%{count} caracteres mínimo)",
      ERR_TAKEN: "ya está en uso",
      ERR_ACCEPTED: "debe ser aceptado",
      ERR_INCLUSION: "no está incluido en la lista",
    },
  },
};

/** The English descriptions each code translates; others (Mastodon's own wording) stay English. */
const ENGLISH: Record<Code, RegExp> = {
  ERR_BLANK: /^can't be blank$/,
  ERR_INVALID: /^is invalid$/,
  ERR_TOO_LONG: /^is too long \(maximum is (\d+) characters\)$/,
  ERR_TOO_SHORT: /^is too short \(minimum is (\d+) characters\)$/,
  ERR_TAKEN: /^has already been taken$/,
  ERR_ACCEPTED: /^must be accepted$/,
  ERR_INCLUSION: /^is not included in the list$/,
};

const PREFIX = "Validation failed: ";

/** The first language we translate into: `lang` wins, then `Accept-Language` in order of preference. */
export function messageLanguage(lang: string | null, acceptLanguage: string | null): string | null {
  const candidates = [lang ?? "", ...ranked(acceptLanguage ?? "")];
  for (const tag of candidates) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (primary === "en") return null;
    if (primary && Object.hasOwn(MESSAGES, primary)) return primary;
  }
  return null;
}

function ranked(header: string): string[] {
  return header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.split(";");
      const q = params.map((p) => p.trim().match(/^q=([\d.]+)$/)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag !== "" && x.tag !== "*" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

type Details = Record<string, { error: string; description: string }[]>;

function translate(m: Messages, code: string, description: string): string {
  const english = (ENGLISH as Record<string, RegExp | undefined>)[code];
  const match = english?.exec(description);
  if (!match) return description;
  return m.codes[code as Code].replace("%{count}", match[1] ?? "");
}

function humanize(key: string): string {
  const words = key.replace(/[._]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A 422 body in `language`: `details` descriptions translated, the sentence rebuilt from them;
 * without details only the "Validation failed" part is translated.
 */
export function localizeValidation(message: string, details: unknown, language: string): { error: string; details?: Details } {
  const m = MESSAGES[language];
  if (!m || !message.startsWith(PREFIX)) return { error: message };
  if (!isDetails(details)) return { error: m.failed.replace("%{errors}", message.slice(PREFIX.length)) };
  const translated: Details = {};
  const sentences: string[] = [];
  for (const [key, errors] of Object.entries(details)) {
    translated[key] = errors.map((e) => ({ error: e.error, description: translate(m, e.error, e.description) }));
    for (const e of translated[key]) sentences.push(key === "base" ? e.description : `${humanize(key)} ${e.description}`);
  }
  return { error: m.failed.replace("%{errors}", sentences.join(", ")), details: translated };
}

function isDetails(v: unknown): v is Details {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  return Object.values(v).every((list) => Array.isArray(list) && list.every((e) => e && typeof e.error === "string" && typeof e.description === "string"));
}
