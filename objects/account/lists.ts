import type { AccountHost } from "./host";
import type { AccountSnapshot, ListRecord, RepliesPolicy } from "../../schemas/records";
import type { Page } from "../../schemas/paging";
import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { selectIn } from "./viewer";
import { selectPage } from "./id-page";
import { queueBackfill } from "./backfill";
import { fetchAccount } from "./graph-delivery";
import { NOT_FOUND } from "./graph";
import type { AccountEntry } from "./graph-reads";

export interface ListInput {
  title?: string;
  replies_policy?: RepliesPolicy;
  exclusive?: boolean;
}

export const MAX_LISTS = 50;

interface ListRow {
  [key: string]: SqlStorageValue;
  id: string;
  title: string;
  replies_policy: string;
  exclusive: number;
}

function toList(row: ListRow): ListRecord {
  return { id: row.id, title: row.title, replies_policy: row.replies_policy as RepliesPolicy, exclusive: row.exclusive === 1 };
}

function findList(sql: SqlStorage, id: string): ListRecord | null {
  const row = sql.exec<ListRow>("SELECT * FROM lists WHERE id = ?", id).toArray()[0];
  return row ? toList(row) : null;
}

export function allLists(sql: SqlStorage): ListRecord[] {
  return sql.exec<ListRow>("SELECT * FROM lists ORDER BY id").toArray().map(toList);
}

export function getList(sql: SqlStorage, id: string): Result<ListRecord> {
  const list = findList(sql, id);
  return list ? ok(list) : fail(404, NOT_FOUND);
}

export function createList(sql: SqlStorage, input: ListInput & { title: string }): Result<ListRecord> {
  const count = sql.exec<{ n: number }>("SELECT count(*) AS n FROM lists").one().n;
  if (count >= MAX_LISTS) return fail(422, "Validation failed: You have reached the maximum number of lists");
  const id = snowflake();
  sql.exec(
    "INSERT INTO lists (id, title, replies_policy, exclusive) VALUES (?, ?, ?, ?)",
    id,
    input.title,
    input.replies_policy ?? "list",
    input.exclusive ? 1 : 0,
  );
  return ok(findList(sql, id)!);
}

export function updateList(sql: SqlStorage, id: string, input: ListInput): Result<ListRecord> {
  const list = findList(sql, id);
  if (!list) return fail(404, NOT_FOUND);
  sql.exec(
    "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
    input.title ?? list.title,
    input.replies_policy ?? list.replies_policy,
    (input.exclusive ?? list.exclusive) ? 1 : 0,
    id,
  );
  return ok(findList(sql, id)!);
}

export function deleteList(host: AccountHost, id: string): Result<Record<string, never>> {
  const sql = host.sql;
  if (!findList(sql, id)) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    sql.exec("DELETE FROM list_entries WHERE list_id = ?", id);
    sql.exec("DELETE FROM list_accounts WHERE list_id = ?", id);
    sql.exec("DELETE FROM lists WHERE id = ?", id);
  });
  return ok({});
}

/** Members, paged by their follow's id; `page` null means all of them (Mastodon's limit=0). */
export function listMembers(sql: SqlStorage, id: string, page: Page | null): Result<AccountEntry[]> {
  if (!findList(sql, id)) return fail(404, NOT_FOUND);
  const from = "following JOIN list_accounts ON list_accounts.account_id = following.account_id";
  const filter = "list_accounts.list_id = ?";
  const rows = page
    ? selectPage<{ id: string; snapshot: string }>(sql, { columns: "following.id AS id, following.snapshot AS snapshot", from, idColumn: "following.id", filter, filterParams: [id], page })
    : sql.exec<{ id: string; snapshot: string }>(`SELECT following.id AS id, following.snapshot AS snapshot FROM ${from} WHERE ${filter} ORDER BY following.id DESC`, id).toArray();
  return ok(rows.map((r) => ({ cursor: r.id, account: JSON.parse(r.snapshot) as AccountSnapshot })));
}

/** All or nothing: every id must be followed (or requested), else 404 as Mastodon answers. */
export async function addListMembers(host: AccountHost, listId: string, accountIds: string[]): Promise<Result<Record<string, never>>> {
  const sql = host.sql;
  if (!findList(sql, listId)) return fail(404, NOT_FOUND);
  const ids = [...new Set(accountIds)];
  const followed = new Map(
    selectIn<{ account_id: string; state: string }>(sql, (p) => `SELECT account_id, state FROM following WHERE account_id IN (${p})`, ids).map((r) => [
      r.account_id,
      r.state,
    ]),
  );
  if (ids.some((id) => !followed.has(id))) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    for (const id of ids) {
      const added = sql.exec("INSERT OR IGNORE INTO list_accounts (list_id, account_id) VALUES (?, ?)", listId, id).rowsWritten;
      if (added && followed.get(id) === "accepted") queueBackfill(host, { accountId: id, home: false, lists: [listId] });
    }
  });
  await host.wake();
  return ok({});
}

export function removeListMembers(host: AccountHost, listId: string, accountIds: string[]): Result<Record<string, never>> {
  const sql = host.sql;
  if (!findList(sql, listId)) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    for (const id of new Set(accountIds)) {
      sql.exec("DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?", listId, id);
      sql.exec("DELETE FROM list_entries WHERE list_id = ? AND author_id = ?", listId, id);
    }
  });
  return ok({});
}

/** The viewer's lists that contain an account (404 for an unknown account, as Mastodon). */
export async function listsWithAccount(host: AccountHost, accountId: string): Promise<Result<ListRecord[]>> {
  const lists = host.sql
    .exec<ListRow>("SELECT lists.* FROM lists JOIN list_accounts ON list_accounts.list_id = lists.id WHERE list_accounts.account_id = ? ORDER BY lists.id", accountId)
    .toArray()
    .map(toList);
  if (lists.length === 0 && accountId !== host.accountId()) {
    const known = host.sql.exec("SELECT 1 FROM following WHERE account_id = ?", accountId).toArray().length > 0;
    if (!known && !(await fetchAccount(host.env, accountId))) return fail(404, NOT_FOUND);
  }
  return ok(lists);
}
