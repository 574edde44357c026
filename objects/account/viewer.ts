import type { StatusRecord, ViewerFlags } from "../../schemas/records";

/**
 * What a viewer may see, decided by the viewer's own object from its own tables (follows,
 * blocks, mutes, favourites...). Sources of statuses (timelines, threads, other accounts)
 * hand in candidate StatusRecords; this filters them and computes the viewer's flags in a
 * few batched queries, never one query per status.
 */
export type ViewContext = "home" | "public" | "thread" | "account" | "notifications" | "list" | "search" | "direct" | "single";

export interface Viewed {
  statuses: StatusRecord[];
  flags: Record<string, ViewerFlags>;
}

/** SQLite allows 100 bound parameters per statement; stay below it. */
const CHUNK = 90;

export function selectIn<T extends Record<string, SqlStorageValue>>(
  sql: SqlStorage,
  query: (placeholders: string) => string,
  ids: string[],
  ...before: SqlStorageValue[]
): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    out.push(...sql.exec<T>(query(chunk.map(() => "?").join(",")), ...before, ...chunk).toArray());
  }
  return out;
}

/** Accounts that a status involves: its author and, for a boost, the boosted author. */
function authorsOf(s: StatusRecord): string[] {
  return s.reblog ? [s.account.id, s.reblog.account.id] : [s.account.id];
}

export function viewStatuses(sql: SqlStorage, viewerId: string, candidates: StatusRecord[], context: ViewContext): Viewed {
  const authors = [...new Set(candidates.flatMap(authorsOf))].filter((id) => id !== viewerId);
  const domains = [...new Set(candidates.flatMap(domainsOf))];
  const { blocked, blockedBy, muted, followed, domainBlocked } = relationsTo(sql, authors, domains);

  const visibleOne = (s: StatusRecord): boolean => {
    const author = s.account.id;
    if (author === viewerId) return true;
    if (blocked.has(author) || blockedBy.has(author)) return false;
    if (s.account.domain && domainBlocked.has(s.account.domain.toLowerCase())) return false;
    // A silenced (limited) author is on the instance's timelines for its followers only.
    if (context === "public" && s.account.limited && !followed.has(author)) return false;
    if (muted.has(author) && context !== "account" && context !== "single") return false;
    const mentioned = s.mentions.some((m) => m.id === viewerId);
    if (s.visibility === "direct") return mentioned;
    if (s.visibility === "private") return mentioned || followed.has(author);
    return true;
  };
  const statuses = candidates.filter((s) => visibleOne(s) && (!s.reblog || visibleOne(s.reblog)));
  return { statuses, flags: flagsFor(sql, viewerId, statuses) };
}

/** Remote domains of a status's authors, as user domain blocks store them. */
function domainsOf(s: StatusRecord): string[] {
  return [s.account.domain, s.reblog?.account.domain].flatMap((d) => (d ? [d.toLowerCase()] : []));
}

/**
 * The viewer's blocks, blocked-by, active mutes, accepted follows among `ids` and blocked
 * domains among `domains`, in ONE
 * statement returning only the relations that exist (index probes): each `sql.exec` has a
 * fixed cost that dominates small lookups, and every timeline page runs this.
 */
function relationsTo(sql: SqlStorage, ids: string[], domains: string[]) {
  const sets = { blocked: new Set<string>(), blockedBy: new Set<string>(), muted: new Set<string>(), followed: new Set<string>(), domainBlocked: new Set<string>() };
  if (ids.length === 0) return sets;
  const rows = sql.exec<{ k: keyof typeof sets; id: string }>(
    `SELECT 'blocked' AS k, account_id AS id FROM blocks WHERE account_id IN (SELECT value FROM json_each(?1))
     UNION ALL SELECT 'blockedBy', account_id FROM blocked_by WHERE account_id IN (SELECT value FROM json_each(?1))
     UNION ALL SELECT 'muted', account_id FROM mutes WHERE account_id IN (SELECT value FROM json_each(?1)) AND (expires_at IS NULL OR expires_at > ?2)
     UNION ALL SELECT 'followed', account_id FROM following WHERE account_id IN (SELECT value FROM json_each(?1)) AND state = 'accepted'
     UNION ALL SELECT 'domainBlocked', domain FROM user_domain_blocks WHERE domain IN (SELECT value FROM json_each(?3))`,
    JSON.stringify(ids),
    new Date().toISOString(),
    JSON.stringify(domains),
  );
  for (const r of rows) sets[r.k].add(r.id);
  return sets;
}

/** Anonymous readers see public and unlisted statuses only. */
export function publicView(candidates: StatusRecord[], context: ViewContext | null = null): StatusRecord[] {
  const open = (s: StatusRecord) => (s.visibility === "public" || s.visibility === "unlisted") && !(context === "public" && s.account.limited);
  return candidates.filter((s) => open(s) && (!s.reblog || open(s.reblog)));
}

/**
 * Favourited, reblogged, bookmarked, muted (conversation), pinned and poll votes in ONE
 * statement that returns only what is set (usually a handful of rows for a page of 40): each
 * lookup walks the ids through a primary-key or index probe.
 */
export function flagsFor(sql: SqlStorage, viewerId: string, statuses: StatusRecord[]): Record<string, ViewerFlags> {
  const all = statuses.flatMap((s) => (s.reblog ? [s, s.reblog] : [s]));
  const set = { f: new Set<string>(), b: new Set<string>(), r: new Set<string>(), p: new Set<string>(), m: new Set<string>() };
  const votes = new Map<string, number[]>();
  if (all.length) {
    const ids = JSON.stringify([...new Set(all.map((s) => s.id))]);
    const own = JSON.stringify(all.filter((s) => s.account.id === viewerId).map((s) => s.id));
    const conversations = JSON.stringify([...new Set(all.map((s) => s.conversation_id))]);
    // Five terms: the platform's limit for a compound SELECT.
    const rows = sql.exec<{ k: keyof typeof set; id: string }>(
      `SELECT 'f' AS k, status_id AS id FROM favourites WHERE status_id IN (SELECT value FROM json_each(?1))
       UNION ALL SELECT 'b', status_id FROM bookmarks WHERE status_id IN (SELECT value FROM json_each(?1))
       UNION ALL SELECT 'r', reblog_of_id FROM statuses WHERE reblog_of_id IN (SELECT value FROM json_each(?1))
       UNION ALL SELECT 'p', id FROM statuses WHERE pinned_at IS NOT NULL AND id IN (SELECT value FROM json_each(?2))
       UNION ALL SELECT 'm', conversation_id FROM muted_conversations WHERE conversation_id IN (SELECT value FROM json_each(?3))`,
      ids,
      own,
      conversations,
    );
    for (const r of rows) set[r.k].add(r.id);
    const polls = all.filter((s) => s.poll).map((s) => s.id);
    if (polls.length) {
      const voted = sql.exec<{ status_id: string; choices: string }>("SELECT status_id, choices FROM own_votes WHERE status_id IN (SELECT value FROM json_each(?))", JSON.stringify(polls));
      for (const r of voted) votes.set(r.status_id, JSON.parse(r.choices) as number[]);
    }
  }
  const followsAuthor = followedAuthorsOf(sql, viewerId, all);
  const hiddenQuotes = hiddenQuotedAuthorsOf(sql, all);
  const flags: Record<string, ViewerFlags> = {};
  for (const s of all) {
    flags[s.id] = {
      favourited: set.f.has(s.id),
      reblogged: set.r.has(s.id),
      bookmarked: set.b.has(s.id),
      muted: set.m.has(s.conversation_id),
      ...(s.account.id === viewerId ? { pinned: set.p.has(s.id) } : {}),
      ...(s.poll ? { own_votes: votes.get(s.id) ?? [] } : {}),
      ...(followsAuthor && s.quote_policy === "followers" && s.account.id !== viewerId ? { follows_author: followsAuthor.has(s.account.id) } : {}),
      ...(hiddenQuotes?.has(s.quote?.quoted_status?.account.id ?? "") ? { quote_hidden: hiddenQuotes.get(s.quote!.quoted_status!.account.id) } : {}),
    };
  }
  return flags;
}

/** Quoted authors the viewer blocks or mutes: their quotes show as `blocked_account` / `muted_account`. */
function hiddenQuotedAuthorsOf(sql: SqlStorage, statuses: StatusRecord[]): Map<string, "blocked_account" | "muted_account"> | null {
  const authors = [...new Set(statuses.flatMap((s) => (s.quote?.quoted_status ? [s.quote.quoted_status.account.id] : [])))];
  if (authors.length === 0) return null;
  const rows = sql.exec<{ account_id: string; k: string }>(
    `SELECT account_id, 'b' AS k FROM blocks WHERE account_id IN (SELECT value FROM json_each(?1))
     UNION ALL SELECT account_id, 'm' FROM mutes WHERE account_id IN (SELECT value FROM json_each(?1)) AND (expires_at IS NULL OR expires_at > ?2)`,
    JSON.stringify(authors),
    new Date().toISOString(),
  );
  const hidden = new Map<string, "blocked_account" | "muted_account">();
  for (const r of rows) if (r.k === "b" || !hidden.has(r.account_id)) hidden.set(r.account_id, r.k === "b" ? "blocked_account" : "muted_account");
  return hidden;
}

/** Authors the viewer follows among those of statuses only followers may quote (QuoteApproval); null when there are none. */
function followedAuthorsOf(sql: SqlStorage, viewerId: string, statuses: StatusRecord[]): Set<string> | null {
  const authors = [...new Set(statuses.filter((s) => s.quote_policy === "followers" && s.account.id !== viewerId).map((s) => s.account.id))];
  if (authors.length === 0) return null;
  const rows = sql.exec<{ account_id: string }>("SELECT account_id FROM following WHERE account_id IN (SELECT value FROM json_each(?))", JSON.stringify(authors));
  return new Set([...rows].map((r) => r.account_id));
}
