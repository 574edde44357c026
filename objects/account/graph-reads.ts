import type { AccountHost } from "./host";
import type { AccountSnapshot } from "../../schemas/records";
import type { Page } from "../../schemas/paging";
import { fail, ok, type Result } from "../../lib/result";
import { directoryStub } from "../../core/stubs";
import { rankCandidates, containsPattern } from "../../lib/account-search";
import { selectIn } from "./viewer";
import { selectPage } from "./id-page";
import { fetchFollowersAmong } from "./graph-delivery";
import { NOT_FOUND } from "./graph";
import type { Viewer } from "../../schemas/auth";

/**
 * Lists of accounts an account object serves from its own tables: its follow requests, blocks,
 * mutes and endorsements (private), its followers/following/endorsements (public, under
 * hide_collections), familiar followers, and account search / directory on the viewer's behalf.
 * Entries carry their row id as the paging cursor.
 */
export interface AccountEntry {
  cursor: string;
  account: AccountSnapshot;
  /** Mutes only: when the mute ends (MutedAccount.mute_expires_at). */
  mute_expires_at?: string | null;
}

export type { Page } from "../../schemas/paging";

type Host = AccountHost;

interface SnapshotRow {
  [key: string]: SqlStorageValue;
  id: string;
  snapshot: string;
}

function toEntries(rows: SnapshotRow[]): AccountEntry[] {
  return rows.map((r) => ({ cursor: r.id, account: JSON.parse(r.snapshot) as AccountSnapshot }));
}

function pageOf(sql: SqlStorage, table: string, page: Page, filter?: string, filterParams: SqlStorageValue[] = []): AccountEntry[] {
  return toEntries(selectPage<SnapshotRow>(sql, { columns: "id, snapshot", from: table, idColumn: "id", filter, filterParams, page }));
}

export const followRequestsPage = (sql: SqlStorage, page: Page) => pageOf(sql, "follow_requests", page);
export const blocksPage = (sql: SqlStorage, page: Page) => pageOf(sql, "blocks", page);
export const endorsementsPage = (sql: SqlStorage, page: Page) => pageOf(sql, "endorsements", page);

export function mutesPage(sql: SqlStorage, page: Page): AccountEntry[] {
  const rows = selectPage<SnapshotRow & { expires_at: string | null }>(sql, {
    columns: "id, snapshot, expires_at",
    from: "mutes",
    idColumn: "id",
    filter: "expires_at IS NULL OR expires_at > ?",
    filterParams: [new Date().toISOString()],
    page,
  });
  return rows.map((r) => ({ cursor: r.id, account: JSON.parse(r.snapshot) as AccountSnapshot, mute_expires_at: r.expires_at }));
}

export type Collection = "followers" | "following" | "endorsements";

/**
 * This account's public collections. As Mastodon: hidden collections (hide_collections) are
 * empty for everyone but the owner, and so is everything for an account this one blocks.
 */
export function collectionPage(host: Host, which: Collection, viewerId: string | null, page: Page): Result<AccountEntry[]> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  const sql = host.sql;
  if (viewerId !== me.id) {
    if (which !== "endorsements" && me.hide_collections) return ok([]);
    if (viewerId && sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", viewerId).toArray().length) return ok([]);
  }
  if (which === "following") return ok(pageOf(sql, "following", page, "state = 'accepted'"));
  return ok(pageOf(sql, which, page));
}

/** For familiar followers: which of the candidates follow this account. */
export function followersAmong(host: Host, candidateIds: string[]): Result<{ ids: string[]; hidden: boolean }> {
  const me = host.record();
  if (!me || !me.approved) return fail(404, NOT_FOUND);
  if (me.hide_collections) return ok({ ids: [], hidden: true });
  const ids = selectIn<{ v: string }>(host.sql, (p) => `SELECT account_id AS v FROM followers WHERE account_id IN (${p})`, candidateIds).map((r) => r.v);
  return ok({ ids, hidden: false });
}

export interface FamiliarFollowersRecord {
  id: string;
  accounts: AccountSnapshot[];
}

/**
 * Accounts the viewer follows that also follow each target (Mastodon's FamiliarFollowersPresenter:
 * accounts hiding their collections are left out). One call per target, in parallel; unknown
 * targets are left out of the answer.
 */
export async function familiarFollowers(host: Host, viewer: Viewer, targetIds: string[]): Promise<FamiliarFollowersRecord[]> {
  const followed = new Map<string, AccountSnapshot>();
  for (const row of host.sql.exec<{ account_id: string; snapshot: string }>("SELECT account_id, snapshot FROM following WHERE state = 'accepted'")) {
    const snapshot = JSON.parse(row.snapshot) as AccountSnapshot;
    if (!snapshot.hide_collections) followed.set(row.account_id, snapshot);
  }
  const candidates = [...followed.keys()];
  const answers = await Promise.all(
    targetIds.map(async (id): Promise<FamiliarFollowersRecord | null> => {
      if (candidates.length === 0 || id === viewer.account.id) return { id, accounts: [] };
      const among = await fetchFollowersAmong(host.env, id, candidates);
      if (!among.ok) return null;
      return { id, accounts: among.value.ids.map((f) => followed.get(f)!).filter(Boolean) };
    }),
  );
  return answers.filter((a): a is FamiliarFollowersRecord => a !== null);
}

// ----- search and directory, on the viewer's behalf -----

function idsOf(sql: SqlStorage, query: string): string[] {
  return sql.exec<{ v: string }>(query).toArray().map((r) => r.v);
}

/** Accounts hidden from the viewer's searches: blocked either way. */
function blockedEitherWay(sql: SqlStorage): string[] {
  return idsOf(sql, "SELECT account_id AS v FROM blocks UNION SELECT account_id AS v FROM blocked_by");
}

export interface AccountSearch {
  term: string;
  limit: number;
  offset: number;
  /** Only accounts the viewer follows. */
  following: boolean;
}

export async function searchAccounts(host: Host, search: AccountSearch): Promise<AccountSnapshot[]> {
  if (!search.term) return [];
  const exclude = blockedEitherWay(host.sql);
  if (!search.following) return directoryStub(host.env).searchAccounts({ term: search.term, limit: search.limit, offset: search.offset, exclude });
  return searchFollowing(host.sql, search);
}

/** `following=true`: ranked over the viewer's own follows (one object, no directory call). */
function searchFollowing(sql: SqlStorage, search: AccountSearch): AccountSnapshot[] {
  const pattern = containsPattern(search.term);
  const snapshots = sql
    .exec<{ snapshot: string }>(
      `SELECT snapshot FROM following WHERE state = 'accepted' AND (
         lower(json_extract(snapshot, '$.username')) LIKE ? ESCAPE '\\' OR lower(json_extract(snapshot, '$.display_name')) LIKE ? ESCAPE '\\')`,
      pattern,
      pattern,
    )
    .toArray()
    .map((r) => JSON.parse(r.snapshot) as AccountSnapshot);
  return rankCandidates(search.term, snapshots).slice(search.offset, search.offset + search.limit);
}

/** Mastodon leaves out of the directory whom the viewer blocks, is blocked by, or mutes. */
export async function browseDirectory(host: Host, input: { order: "active" | "new"; limit: number; offset: number }): Promise<AccountSnapshot[]> {
  const exclude = [
    ...blockedEitherWay(host.sql),
    ...host.sql
      .exec<{ v: string }>("SELECT account_id AS v FROM mutes WHERE expires_at IS NULL OR expires_at > ?", new Date().toISOString())
      .toArray()
      .map((r) => r.v),
  ];
  return directoryStub(host.env).browseDirectory({ ...input, exclude });
}
