import type { AccountHost } from "./host";
import type { RelationshipRecord, TokenRecord } from "../../schemas/records";
import type { Viewer } from "../../schemas/auth";
import type { IdWindow } from "../paging";
import { newestFirst, whereClause, windowSql } from "../paging";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { accountJobs } from "./jobs";
import { rejectFollowRequest, removeFromFollowers, unfollow } from "./graph";
import { remoteActorUris } from "../federation/account-owners";

/**
 * A user's own domain blocks (Mastodon's AccountDomainBlock): the accounts of a blocked domain
 * leave this account's feeds, notifications and conversations, follows both ways end, and
 * nothing from that domain reaches it again. The read and delivery paths ask
 * `domainBlockedIn` (feed-facts.ts keeps the set in memory for deliveries).
 */

export const USER_DOMAIN_BLOCKS_TABLE_SQL = "CREATE TABLE user_domain_blocks (domain TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE)";

export type DomainBlockOp =
  | { op: "list"; window: IdWindow }
  | { op: "add"; domain: string }
  | { op: "remove"; domain: string };

export interface DomainBlockEntry {
  domain: string;
  /** Row id, the paging cursor. */
  cursor: string;
}

export function runDomainBlockOp(host: AccountHost, op: DomainBlockOp): Result<DomainBlockEntry[] | Record<string, never>> {
  if (op.op === "list") return ok(listDomainBlocks(host.sql, op.window));
  if (op.op === "remove") {
    host.sql.exec("DELETE FROM user_domain_blocks WHERE domain = ?", op.domain);
    return ok({});
  }
  return addDomainBlock(host, op.domain);
}

function listDomainBlocks(sql: SqlStorage, window: IdWindow): DomainBlockEntry[] {
  const w = windowSql("id", window, true);
  const rows = sql
    .exec<{ domain: string; id: string }>(`SELECT domain, id FROM user_domain_blocks ${whereClause(w.conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...w.params, window.limit)
    .toArray();
  return newestFirst(rows, w.ascending).map((r) => ({ domain: r.domain, cursor: r.id }));
}

/**
 * Stores the block and, in the same transaction, drops what is already here from that domain
 * (home and list entries of its statuses and boosts of them, notifications and requests,
 * conversations);
 * a durable job then ends the follows both ways, which needs calls to other objects.
 */
function addDomainBlock(host: AccountHost, domain: string): Result<Record<string, never>> {
  const own = host.record();
  if (!own) return fail(404, "Record not found");
  const sql = host.sql;
  host.storage.transactionSync(() => {
    if (sql.exec("INSERT OR IGNORE INTO user_domain_blocks (domain, id) VALUES (?, ?)", domain, snowflake()).rowsWritten === 0) return;
    const fromDomain = "(json_extract(snapshot, '$.account.domain') = ?1 OR json_extract(snapshot, '$.reblog.account.domain') = ?1)";
    sql.exec(`DELETE FROM home WHERE ${fromDomain}`, domain);
    sql.exec(`DELETE FROM list_entries WHERE ${fromDomain}`, domain);
    sql.exec("DELETE FROM notifications WHERE json_extract(from_snapshot, '$.domain') = ?", domain);
    sql.exec("DELETE FROM notification_requests WHERE json_extract(from_snapshot, '$.domain') = ?", domain);
    sql.exec("DELETE FROM conversations WHERE json_extract(last_status, '$.account.domain') = ?", domain);
    host.enqueue("domainBlocks.sever", { domain });
  });
  void host.wake();
  return ok({});
}

/** Is `domain` (an account's domain; null for local accounts) blocked by this account? */
export function domainBlockedIn(blocked: ReadonlySet<string>, domain: string | null | undefined): boolean {
  return !!domain && blocked.size > 0 && blocked.has(domain.toLowerCase());
}

export function readBlockedDomains(sql: SqlStorage): Set<string> {
  return new Set(sql.exec<{ domain: string }>("SELECT domain FROM user_domain_blocks").toArray().map((r) => r.domain));
}

/** The relationships' `domain_blocking`, asked of the remote account index only when this account blocks some domain. */
export async function withDomainBlocking(host: AccountHost, records: RelationshipRecord[]): Promise<RelationshipRecord[]> {
  const blocked = readBlockedDomains(host.sql);
  if (blocked.size === 0 || records.length === 0) return records;
  const uris = await remoteActorUris(host.env, records.map((r) => r.id));
  return records.map((r) => {
    const uri = uris.get(r.id);
    return uri ? { ...r, domain_blocking: domainBlockedIn(blocked, new URL(uri).hostname) } : r;
  });
}

/** Following an account on a domain this account blocks is refused, as Mastodon's FollowService does. */
export async function unlessDomainBlocked(host: AccountHost, targetId: string, act: () => Promise<Result<RelationshipRecord>>): Promise<Result<RelationshipRecord>> {
  const [flagged] = await withDomainBlocking(host, [{ id: targetId, domain_blocking: false } as RelationshipRecord]);
  return flagged.domain_blocking ? fail(403, "This action is not allowed") : act();
}

/** A relationship answered by an action (follow, block, mute…), with its `domain_blocking`. */
export async function withDomainFlag(host: AccountHost, pending: Promise<Result<RelationshipRecord>>): Promise<Result<RelationshipRecord>> {
  const result = await pending;
  return result.ok ? ok((await withDomainBlocking(host, [result.value]))[0]) : result;
}

const SEVER_TOKEN: TokenRecord = { client_id: "domain-block", app_name: "Domain block", app_website: null, scopes: [], created_at: 0 };
const SEVER_BATCH = 40;

/**
 * Mastodon's AfterBlockDomainFromAccountService: the domain's followers are removed (remote
 * ones get a Reject of their Follow), its pending follow requests rejected, and our follows
 * and requests of its accounts undone. A batch per run; the job queues itself again until none
 * is left, and stops if the block was lifted meanwhile.
 */
accountJobs.register("domainBlocks.sever", async (host, payload) => {
  const { domain } = payload as { domain: string };
  const me = host.record();
  if (!me || !host.sql.exec("SELECT 1 FROM user_domain_blocks WHERE domain = ?", domain).toArray().length) return;
  const viewer: Viewer = { account: me, token: SEVER_TOKEN };
  const ofDomain = (table: string) =>
    host.sql
      .exec<{ account_id: string }>(`SELECT account_id FROM ${table} WHERE json_extract(snapshot, '$.domain') = ? LIMIT ?`, domain, SEVER_BATCH)
      .toArray()
      .map((r) => r.account_id);
  const steps: [string[], (id: string) => Promise<Result<unknown>>][] = [
    [ofDomain("followers"), (id) => removeFromFollowers(host, viewer, id)],
    [ofDomain("follow_requests"), (id) => rejectFollowRequest(host, viewer, id)],
    [ofDomain("following"), (id) => unfollow(host, viewer, id)],
  ];
  for (const [ids, undo] of steps) {
    for (const id of ids) {
      const result = await undo(id);
      if (!result.ok && result.status !== 404) throw new Error(`severing ${id}: ${result.error}`);
    }
  }
  if (steps.some(([ids]) => ids.length === SEVER_BATCH)) {
    host.enqueue("domainBlocks.sever", { domain });
    await host.wake();
  }
});
