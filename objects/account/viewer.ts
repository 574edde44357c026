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
  const { blocked, blockedBy, muted, followed } = relationsTo(sql, authors);

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

/**
 * The viewer's blocks, blocked-by, active mutes and accepted follows among `ids`, in ONE
 * statement (one row per id, index probes): each `sql.exec` has a fixed cost that dominates
 * small lookups, and every timeline page runs this. A JSON array binds any number of ids.
 */
function relationsTo(sql: SqlStorage, ids: string[]) {
  const sets = { blocked: new Set<string>(), blockedBy: new Set<string>(), muted: new Set<string>(), followed: new Set<string>() };
  if (ids.length === 0) return sets;
  const rows = sql.exec<{ id: string; blocked: number; blocked_by: number; muted: number; followed: number }>(
    `SELECT j.value AS id,
       EXISTS (SELECT 1 FROM blocks WHERE account_id = j.value) AS blocked,
       EXISTS (SELECT 1 FROM blocked_by WHERE account_id = j.value) AS blocked_by,
       EXISTS (SELECT 1 FROM mutes WHERE account_id = j.value AND (expires_at IS NULL OR expires_at > ?)) AS muted,
       EXISTS (SELECT 1 FROM following WHERE account_id = j.value AND state = 'accepted') AS followed
     FROM json_each(?) AS j`,
    new Date().toISOString(),
    JSON.stringify(ids),
  );
  for (const r of rows) {
    if (r.blocked) sets.blocked.add(r.id);
    if (r.blocked_by) sets.blockedBy.add(r.id);
    if (r.muted) sets.muted.add(r.id);
    if (r.followed) sets.followed.add(r.id);
  }
  return sets;
}

/** Anonymous readers see public and unlisted statuses only. */
export function publicView(candidates: StatusRecord[]): StatusRecord[] {
  const open = (s: StatusRecord) => s.visibility === "public" || s.visibility === "unlisted";
  return candidates.filter((s) => open(s) && (!s.reblog || open(s.reblog)));
}

/** Favourited, reblogged, bookmarked, muted (conversation), pinned and poll votes, batched. */
export function flagsFor(sql: SqlStorage, viewerId: string, statuses: StatusRecord[]): Record<string, ViewerFlags> {
  const all = statuses.flatMap((s) => (s.reblog ? [s, s.reblog] : [s]));
  const byId = new Map(all.map((s) => [s.id, s]));
  const ids = [...byId.keys()];
  const favourited = new Set<string>();
  const bookmarked = new Set<string>();
  const reblogged = new Set<string>();
  const pinned = new Set<string>();
  const mutedConversations = new Set<string>();
  // One statement, one row per status (see relationsTo): [status id, conversation id] pairs.
  const pairs = ids.map((id) => [id, byId.get(id)!.conversation_id]);
  const rows = ids.length
    ? sql.exec<{ id: string; conversation_id: string; favourited: number; bookmarked: number; reblogged: number; pinned: number; muted: number }>(
        `SELECT p.id, p.conversation_id,
           EXISTS (SELECT 1 FROM favourites WHERE status_id = p.id) AS favourited,
           EXISTS (SELECT 1 FROM bookmarks WHERE status_id = p.id) AS bookmarked,
           EXISTS (SELECT 1 FROM statuses WHERE reblog_of_id = p.id) AS reblogged,
           EXISTS (SELECT 1 FROM statuses WHERE id = p.id AND pinned_at IS NOT NULL) AS pinned,
           EXISTS (SELECT 1 FROM muted_conversations WHERE conversation_id = p.conversation_id) AS muted
         FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS conversation_id FROM json_each(?)) AS p`,
        JSON.stringify(pairs),
      )
    : [];
  for (const r of rows) {
    if (r.favourited) favourited.add(r.id);
    if (r.bookmarked) bookmarked.add(r.id);
    if (r.reblogged) reblogged.add(r.id);
    if (r.pinned) pinned.add(r.id);
    if (r.muted) mutedConversations.add(r.conversation_id);
  }
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
