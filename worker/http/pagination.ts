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
  const link = (key: string, value: string) => {
    const u = new URL(url);
    for (const k of ["max_id", "min_id", "since_id"]) u.searchParams.delete(k);
    u.searchParams.set(key, value);
    return u.toString();
  };
  const newest = cursor(items[0]);
  const oldest = cursor(items[items.length - 1]);
  return `<${link("max_id", oldest)}>; rel="next", <${link("min_id", newest)}>; rel="prev"`;
}

/** `Link` for a page known by its bounds (newest and oldest ids read), e.g. a filtered page. */
export function cursorLink(url: URL, cursor: { newest: string; oldest: string } | null): string | undefined {
  return cursor ? linkHeader(url, [cursor.newest, cursor.oldest], (id) => id) : undefined;
}

/** Response headers carrying `Link` when there is one. */
export function linkHeaders(link: string | undefined): Record<string, string> {
  return link ? { link } : {};
}
