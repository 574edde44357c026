import type { Params } from "./body";
import type { Page } from "../../schemas/paging";

const DIGITS = /^\d{1,20}$/;

export function readPage(params: Params, defaultLimit = 20, maxLimit = 40): Page {
  const id = (v: unknown) => (typeof v === "string" && DIGITS.test(v) ? v : undefined);
  const rawLimit = Number(params.limit);
  const limit = Number.isFinite(rawLimit) && rawLimit > 0 ? Math.min(Math.floor(rawLimit), maxLimit) : defaultLimit;
  return { maxId: id(params.max_id), sinceId: id(params.since_id), minId: id(params.min_id), limit };
}

/**
 * Writes the `Link` header clients scroll by: `next` pages to older items (max_id),
 * `prev` to newer ones (min_id). `items` are newest first; `cursor` picks each item's paging id.
 */
export function linkHeader<T>(url: URL, items: T[], cursor: (item: T) => string): string | undefined {
  if (items.length === 0) return undefined;
  const base = echoedQuery(url);
  const link = (key: string, value: string) => {
    const u = new URL(base);
    u.searchParams.set(key, value);
    return u.toString();
  };
  const newest = cursor(items[0]);
  const oldest = cursor(items[items.length - 1]);
  return `<${link("max_id", oldest)}>; rel="next", <${link("min_id", newest)}>; rel="prev"`;
}

/** Longest query value a `Link` echoes, and the most values it keeps. */
const MAX_ECHOED_VALUE = 100;
const MAX_ECHOED_PARAMS = 20;
/** Every endpoint clamps `limit` to its own maximum, all at most this: a larger echo means the same. */
const MAX_ECHOED_LIMIT = 1000;

/**
 * The request's URL as a `Link` repeats it: without the paging ids, with `limit` as a small
 * integer (or dropped when it is not one), and only short parameters, so that whatever a
 * client sends, the header stays small. The token never travels in it.
 */
function echoedQuery(url: URL): URL {
  const u = new URL(url);
  u.search = "";
  let kept = 0;
  for (const [key, value] of url.searchParams) {
    if (["max_id", "min_id", "since_id", "access_token"].includes(key)) continue;
    if (key.length > MAX_ECHOED_VALUE || value.length > MAX_ECHOED_VALUE || kept >= MAX_ECHOED_PARAMS) continue;
    if (key === "limit") {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) continue;
      u.searchParams.set(key, String(Math.min(Math.floor(n), MAX_ECHOED_LIMIT)));
    } else {
      u.searchParams.append(key, value);
    }
    kept++;
  }
  return u;
}

/** `Link` for a page known by its bounds (newest and oldest ids read), e.g. a filtered page. */
export function cursorLink(url: URL, cursor: { newest: string; oldest: string } | null): string | undefined {
  return cursor ? linkHeader(url, [cursor.newest, cursor.oldest], (id) => id) : undefined;
}

/** Response headers carrying `Link` when there is one. */
export function linkHeaders(link: string | undefined): Record<string, string> {
  return link ? { link } : {};
}
