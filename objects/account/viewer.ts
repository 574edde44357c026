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

function idSet(sql: SqlStorage, table: string, column: string, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  return new Set(selectIn<{ v: string }>(sql, (p) => `SELECT ${column} AS v FROM ${table} WHERE ${column} IN (${p})`, ids).map((r) => r.v));
}

/** Accounts that a status involves: its author and, for a boost, the boosted author. */
function authorsOf(s: StatusRecord): string[] {
  return s.reblog ? [s.account.id, s.reblog.account.id] : [s.account.id];
}

export function viewStatuses(sql: SqlStorage, viewerId: string, candidates: StatusRecord[], context: ViewContext): Viewed {
  const authors = [...new Set(candidates.flatMap(authorsOf))].filter((id) => id !== viewerId);
  const blocked = idSet(sql, "blocks", "account_id", authors);
  const blockedBy = idSet(sql, "blocked_by", "account_id", authors);
  const muted = activeMutes(sql, authors);
  const followed = new Set(
    authors.length
      ? selectIn<{ v: string }>(sql, (p) => `SELECT account_id AS v FROM following WHERE state = 'accepted' AND account_id IN (${p})`, authors).map((r) => r.v)
      : [],
  );

  const visibleOne = (s: StatusRecord): boolean => {
    const author = s.account.id;
    if (author === viewerId) return true;
    if (blocked.has(author) || blockedBy.has(author)) return false;
    if (muted.has(author) && context !== "account" && context !== "single") return false;
    const mentioned = s.mentions.some((m) => m.id === viewerId);
    if (s.visibility === "direct") return mentioned;
    if (s.visibility === "private") return mentioned || followed.has(author);
    return true;
  };
  const statuses = candidates.filter((s) => visibleOne(s) && (!s.reblog || visibleOne(s.reblog)));
  return { statuses, flags: flagsFor(sql, viewerId, statuses) };
}

/** Anonymous readers see public and unlisted statuses only. */
export function publicView(candidates: StatusRecord[]): StatusRecord[] {
  const open = (s: StatusRecord) => s.visibility === "public" || s.visibility === "unlisted";
  return candidates.filter((s) => open(s) && (!s.reblog || open(s.reblog)));
}

function activeMutes(sql: SqlStorage, ids: string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const now = new Date().toISOString();
  return new Set(
    selectIn<{ v: string }>(sql, (p) => `SELECT account_id AS v FROM mutes WHERE (expires_at IS NULL OR expires_at > ?) AND account_id IN (${p})`, ids, now).map(
      (r) => r.v,
    ),
  );
}

/** Favourited, reblogged, bookmarked, muted (conversation), pinned and poll votes, batched. */
export function flagsFor(sql: SqlStorage, viewerId: string, statuses: StatusRecord[]): Record<string, ViewerFlags> {
  const all = statuses.flatMap((s) => (s.reblog ? [s, s.reblog] : [s]));
  const ids = [...new Set(all.map((s) => s.id))];
  const favourited = idSet(sql, "favourites", "status_id", ids);
  const bookmarked = idSet(sql, "bookmarks", "status_id", ids);
  const reblogged = idSet(sql, "statuses", "reblog_of_id", ids);
  const mutedConversations = idSet(sql, "muted_conversations", "conversation_id", [...new Set(all.map((s) => s.conversation_id))]);
  const ownIds = ids.filter((id) => all.find((s) => s.id === id)?.account.id === viewerId);
  const pinned = ownIds.length
    ? new Set(selectIn<{ v: string }>(sql, (p) => `SELECT id AS v FROM statuses WHERE pinned_at IS NOT NULL AND id IN (${p})`, ownIds).map((r) => r.v))
    : new Set<string>();
  const pollIds = all.filter((s) => s.poll).map((s) => s.id);
  const votes = new Map(
    pollIds.length
      ? selectIn<{ status_id: string; choices: string }>(sql, (p) => `SELECT status_id, choices FROM own_votes WHERE status_id IN (${p})`, pollIds).map(
          (r) => [r.status_id, JSON.parse(r.choices) as number[]],
        )
      : [],
  );
  const flags: Record<string, ViewerFlags> = {};
  for (const s of all) {
    flags[s.id] = {
      favourited: favourited.has(s.id),
      reblogged: reblogged.has(s.id),
      bookmarked: bookmarked.has(s.id),
      muted: mutedConversations.has(s.conversation_id),
      ...(s.account.id === viewerId ? { pinned: pinned.has(s.id) } : {}),
      ...(s.poll ? { own_votes: votes.get(s.id) ?? [] } : {}),
    };
  }
  return flags;
}
