import type { StatusRecord } from "../../schemas/records";
import type { RenderedPage } from "../../core/serializers/rendered";

/**
 * Rendered pages of the account's home timeline and notifications, kept in memory until
 * anything they are made of may have changed. Apps re-read the same first page all the time
 * (launch, pull-to-refresh, polling with since_id); a hit skips the reads, the viewer checks
 * and the serialization. It is forgotten on every write to a table not listed below (the
 * account object watches its SQL, see objects/watched-storage.ts), on a rolled-back
 * transaction, and when time alone would change a page: a mute or filter expiring, a poll on
 * the page closing.
 */

/** Tables whose rows never show in, or decide, a home or notifications page. */
const UNRELATED_TABLES = new Set([
  "credentials",
  "tokens",
  "auth_codes",
  "sessions",
  "sign_in_failures",
  "idempotency_keys",
  "scheduled_statuses",
  "markers",
  "stream_watchers",
  "followers",
  "follow_requests",
  "endorsements",
  "account_notes",
  "featured_tags",
  "activity",
  "collections",
  "collection_items",
  "featured_in",
  "annual_reports",
  "annual_report_requests",
  "imports",
  "import_rows",
  "import_removals",
  "archives",
]);

const MAX_PAGES = 16;

/** A page's identity: the feed, the query (window, types...) and the origin its URLs use. */
export const pageKey = (feed: string, query: object, o: { origin: string; domain: string }) => `${feed} ${o.origin} ${o.domain} ${JSON.stringify(query)}`;

export class PageCache {
  private readonly pages = new Map<string, RenderedPage>();
  private validUntil = Infinity;

  /** Called for every statement that writes `table`. */
  written(table: string): void {
    if (!UNRELATED_TABLES.has(table)) this.clear();
  }

  clear(): void {
    this.pages.clear();
    this.validUntil = Infinity;
  }

  /** The page for `key`, rendered by `render` unless a valid one is kept. */
  get(key: string, sql: SqlStorage, render: () => { page: RenderedPage; statuses: StatusRecord[] }): RenderedPage {
    if (Date.now() >= this.validUntil) this.clear();
    const kept = this.pages.get(key);
    if (kept) return kept;
    const { page, statuses } = render();
    if (this.pages.size >= MAX_PAGES) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(key, page);
    this.validUntil = Math.min(this.validUntil, nextChange(sql, statuses));
    return page;
  }
}

/** When time alone changes what was rendered: the next mute or filter expiry, or poll closing. */
export function nextChange(sql: SqlStorage, statuses: StatusRecord[]): number {
  const now = Date.now();
  const times: number[] = [];
  for (const s of statuses) {
    for (const poll of [s.poll, s.reblog?.poll]) if (poll?.expires_at) times.push(Date.parse(poll.expires_at));
  }
  const expiring = sql
    .exec<{ at: string | null }>(
      `SELECT min(expires_at) AS at FROM (
         SELECT expires_at FROM mutes WHERE expires_at IS NOT NULL AND expires_at > ?1
         UNION ALL SELECT expires_at FROM filters WHERE expires_at IS NOT NULL AND expires_at > ?1)`,
      new Date(now).toISOString(),
    )
    .one().at;
  if (expiring) times.push(Date.parse(expiring));
  return Math.min(Infinity, ...times.filter((t) => t > now));
}
