import { snowflakeFloor } from "./ids";

/**
 * Full-text status search queries as Mastodon's search box takes them: words and "quoted
 * phrases" (all required), `-word` / `-"phrase"` to exclude, and the operators Mastodon
 * documents: `from:me|user|user@domain`, `in:library|public`, `is:reply|sensitive`,
 * `has:poll|media` (each negatable with `-`), `language:xx`, `before:`/`after:`/`during:`
 * (YYYY-MM-DD, UTC). Anything else is a plain word. The result is turned into an FTS5 MATCH
 * expression made only of quoted phrases, so user input never reaches FTS5 syntax.
 */
export interface ParsedSearch {
  terms: string[];
  excluded: string[];
  /** `from:` as written, without a leading '@' (`me`, `user` or `user@domain`). */
  from: string | null;
  scope: "all" | "library" | "public";
  reply?: boolean;
  sensitive?: boolean;
  poll?: boolean;
  media?: boolean;
  language?: string;
  /** Created before this instant (ms, exclusive) / at or after it (ms, inclusive). */
  before?: number;
  after?: number;
}

/** Bounds the work one query can ask of the index. */
const MAX_TERMS = 16;
const MAX_TERM_LENGTH = 100;
const DAY_MS = 86_400_000;
const TOKEN = /([+-]?)(?:"([^"]*)"?|(\S+))/g;
const OPERATOR = /^([a-z]+):(.+)$/i;
const WORDLIKE = /[\p{L}\p{N}]/u;

/** Control characters (NUL ends an FTS5 string early) and lone surrogates read as spaces. */
const UNSEARCHABLE = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanSearchText(q: string): string {
  return q.replace(UNSEARCHABLE, " ");
}

export function parseSearchQuery(q: string): ParsedSearch {
  const out: ParsedSearch = { terms: [], excluded: [], from: null, scope: "all" };
  for (const m of cleanSearchText(q).matchAll(TOKEN)) {
    const negated = m[1] === "-";
    const phrase = m[2] ?? null;
    const word = m[3] ?? null;
    if (word !== null && applyOperator(out, word, negated)) continue;
    const term = (phrase ?? word ?? "").trim().slice(0, MAX_TERM_LENGTH);
    if (!WORDLIKE.test(term)) continue;
    const list = negated ? out.excluded : out.terms;
    if (list.length < MAX_TERMS) list.push(term);
  }
  return out;
}

/** Applies `key:value` if it is an operator Mastodon knows; false means "just a word". */
function applyOperator(out: ParsedSearch, word: string, negated: boolean): boolean {
  const m = word.match(OPERATOR);
  if (!m) return false;
  const key = m[1].toLowerCase();
  const value = m[2].toLowerCase();
  switch (key) {
    case "from":
      if (negated) return false;
      out.from = value.replace(/^@/, "");
      return true;
    case "in":
      if (value !== "library" && value !== "public") return false;
      out.scope = value;
      return true;
    case "is":
      if (value !== "reply" && value !== "sensitive") return false;
      out[value] = !negated;
      return true;
    case "has":
      if (value === "poll") out.poll = !negated;
      else if (["media", "image", "video", "audio"].includes(value)) out.media = !negated;
      else return false;
      return true;
    case "language":
      if (!/^[a-z]{2,3}$/.test(value)) return false;
      out.language = value;
      return true;
    case "before":
    case "after":
    case "during":
      return applyDate(out, key, value);
    default:
      return false;
  }
}

function applyDate(out: ParsedSearch, key: "before" | "after" | "during", value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = Date.parse(`${value}T00:00:00Z`);
  if (!Number.isFinite(day)) return false;
  const tighten = (bound: "before" | "after", at: number) => {
    const current = out[bound];
    out[bound] = current === undefined ? at : bound === "before" ? Math.min(current, at) : Math.max(current, at);
  };
  if (key === "before") tighten("before", day);
  if (key === "after") tighten("after", day + DAY_MS);
  if (key === "during") tighten("after", day), tighten("before", day + DAY_MS);
  return true;
}

/** A phrase for FTS5: the term in double quotes (embedded quotes doubled). */
function phrase(term: string): string {
  return `"${term.replace(/"/g, '""')}"`;
}

/** The FTS5 expressions of a query: required phrases ANDed, and the excluded ones ORed. */
export function matchExpressions(parsed: Pick<ParsedSearch, "terms" | "excluded">): { match: string | null; exclude: string | null } {
  return {
    match: parsed.terms.length ? parsed.terms.map(phrase).join(" AND ") : null,
    exclude: parsed.excluded.length ? parsed.excluded.map(phrase).join(" OR ") : null,
  };
}

/** Id bounds (exclusive) for the query's dates: snowflake ids encode their creation time. */
export function dateBounds(parsed: Pick<ParsedSearch, "before" | "after">): { below?: string; above?: string } {
  return {
    below: parsed.before !== undefined ? snowflakeFloor(Math.max(parsed.before, 0)) : undefined,
    above: parsed.after !== undefined && parsed.after > 0 ? (BigInt(snowflakeFloor(parsed.after)) - 1n).toString() : undefined,
  };
}
