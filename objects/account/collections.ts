import { fail, ok, type Result } from "../../lib/result";
import { snowflake } from "../../lib/ids";
import { toSnapshot, type AccountSnapshot } from "../../schemas/records";
import {
  COLLECTION_MAX_ITEMS,
  COLLECTIONS_PER_ACCOUNT,
  type CollectionInput,
  type CollectionItemRecord,
  type CollectionItemState,
  type CollectionRecord,
  type NewCollection,
  type OffsetPage,
} from "../../schemas/collections";
import { accountStub, collectionIndexStub } from "../../core/stubs";
import { fetchAccount } from "./graph-delivery";
import { selectIn } from "./viewer";
import type { AccountHost } from "./host";
import { notifyFeatured } from "./collection-notices";

/**
 * Featured collections this account curates (Mastodon 4.6): lists of up to 25 accounts it
 * recommends. Items are local accounts, accepted at once as Mastodon accepts local ones; each
 * featured account's object is told (a durable job) so it can list and revoke its inclusions.
 * Collections are not federated.
 */

export type CollectionOp =
  | { op: "create"; input: NewCollection }
  | { op: "update"; id: string; input: CollectionInput }
  | { op: "delete"; id: string }
  | { op: "addItem"; id: string; accountId: string }
  | { op: "removeItem"; id: string; itemId: string };

export type CollectionOpResult = { collection: CollectionRecord } | { item: CollectionItemRecord } | Record<string, never>;

const NOT_FOUND = "Record not found";
const NOT_ALLOWED = "This action is not allowed";

interface CollectionRow extends Record<string, SqlStorageValue> {
  id: string;
  name: string;
  description: string;
  language: string | null;
  sensitive: number;
  discoverable: number;
  tag_name: string | null;
  created_at: string;
  updated_at: string;
}

interface ItemRow extends Record<string, SqlStorageValue> {
  id: string;
  collection_id: string;
  account_id: string;
  state: string;
  snapshot: string;
  created_at: string;
}

export async function runCollectionOp(host: AccountHost, op: CollectionOp): Promise<Result<CollectionOpResult>> {
  switch (op.op) {
    case "create":
      return createCollection(host, op.input);
    case "update":
      return updateCollection(host, op.id, op.input);
    case "delete":
      return deleteCollection(host, op.id);
    case "addItem":
      return addItem(host, op.id, op.accountId);
    case "removeItem":
      return removeItem(host, op.id, op.itemId);
  }
}

async function createCollection(host: AccountHost, input: NewCollection): Promise<Result<CollectionOpResult>> {
  const count = host.sql.exec<{ n: number }>("SELECT count(*) AS n FROM collections").one().n;
  if (count >= COLLECTIONS_PER_ACCOUNT) return fail(422, `Validation failed: You cannot create more than ${COLLECTIONS_PER_ACCOUNT} collections`);
  const ids = [...new Set(input.account_ids ?? [])];
  if (ids.length > COLLECTION_MAX_ITEMS) return tooManyItems();
  const accounts: AccountSnapshot[] = [];
  for (const id of ids) {
    const target = await featureable(host, id);
    if (!target.ok) return target;
    accounts.push(target.value);
  }
  const id = snowflake();
  const now = new Date().toISOString();
  // Indexed first: a failure leaves nothing behind, and an entry without a collection reads as unknown.
  await collectionIndexStub(host.env, id).add([{ id, accountId: host.accountId() }]);
  host.storage.transactionSync(() => {
    host.sql.exec(
      "INSERT INTO collections (id, name, description, language, sensitive, discoverable, tag_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      input.name,
      input.description ?? "",
      input.language ?? null,
      input.sensitive ? 1 : 0,
      input.discoverable === false ? 0 : 1,
      input.tag_name ?? null,
      now,
      now,
    );
    for (const account of accounts) insertItem(host, id, account, now);
  });
  if (accounts.length) await host.wake();
  return ok({ collection: readCollection(host, id, host.accountId())! });
}

async function updateCollection(host: AccountHost, id: string, input: CollectionInput): Promise<Result<CollectionOpResult>> {
  if (!collectionRow(host.sql, id)) return fail(404, NOT_FOUND);
  const changes: [string, SqlStorageValue][] = [];
  if (input.name !== undefined) changes.push(["name", input.name]);
  if (input.description !== undefined) changes.push(["description", input.description]);
  if (input.language !== undefined) changes.push(["language", input.language]);
  if (input.sensitive !== undefined) changes.push(["sensitive", input.sensitive ? 1 : 0]);
  if (input.discoverable !== undefined) changes.push(["discoverable", input.discoverable ? 1 : 0]);
  if (input.tag_name !== undefined) changes.push(["tag_name", input.tag_name]);
  changes.push(["updated_at", new Date().toISOString()]);
  host.sql.exec(`UPDATE collections SET ${changes.map(([c]) => `${c} = ?`).join(", ")} WHERE id = ?`, ...changes.map(([, v]) => v), id);
  return ok({ collection: readCollection(host, id, host.accountId())! });
}

async function deleteCollection(host: AccountHost, id: string): Promise<Result<CollectionOpResult>> {
  if (!collectionRow(host.sql, id)) return fail(404, NOT_FOUND);
  const items = itemRows(host.sql, [id]);
  host.storage.transactionSync(() => {
    host.sql.exec("DELETE FROM collection_items WHERE collection_id = ?", id);
    host.sql.exec("DELETE FROM collections WHERE id = ?", id);
    for (const item of items) notifyFeatured(host, item.account_id, { removed: item.id });
  });
  if (items.length) await host.wake();
  await collectionIndexStub(host.env, id).remove([id]);
  return ok({});
}

async function addItem(host: AccountHost, id: string, accountId: string): Promise<Result<CollectionOpResult>> {
  if (!collectionRow(host.sql, id)) return fail(404, NOT_FOUND);
  const target = await featureable(host, accountId);
  if (!target.ok) return target;
  const items = itemRows(host.sql, [id]);
  // A revoked item stays: an account that took itself out is not added back.
  if (items.some((i) => i.account_id === accountId)) return fail(422, "Validation failed: Account has already been taken");
  if (items.filter((i) => isShown(i.state, true)).length >= COLLECTION_MAX_ITEMS) return tooManyItems();
  const now = new Date().toISOString();
  const item = host.storage.transactionSync(() => {
    host.sql.exec("UPDATE collections SET updated_at = ? WHERE id = ?", now, id);
    return insertItem(host, id, target.value, now);
  });
  await host.wake();
  return ok({ item });
}

async function removeItem(host: AccountHost, id: string, itemId: string): Promise<Result<CollectionOpResult>> {
  if (!collectionRow(host.sql, id)) return fail(404, NOT_FOUND);
  const item = itemRows(host.sql, [id]).find((i) => i.id === itemId);
  if (!item) return fail(404, NOT_FOUND);
  host.storage.transactionSync(() => {
    host.sql.exec("DELETE FROM collection_items WHERE id = ?", itemId);
    host.sql.exec("UPDATE collections SET updated_at = ? WHERE id = ?", new Date().toISOString(), id);
    notifyFeatured(host, item.account_id, { removed: itemId });
  });
  await host.wake();
  return ok({});
}

/** The featured account, if this account may feature it: known, local, discoverable, no block either way. */
async function featureable(host: AccountHost, accountId: string): Promise<Result<AccountSnapshot>> {
  if (!/^\d{1,20}$/.test(accountId)) return fail(404, NOT_FOUND);
  const self = host.record()!;
  const target = accountId === self.id ? toSnapshot(self) : await fetchAccount(host.env, accountId);
  if (!target) return fail(404, NOT_FOUND);
  if (target.domain !== null) return fail(422, "Accounts on other servers cannot be featured in collections here");
  const blocked = host.sql.exec("SELECT 1 FROM blocks WHERE account_id = ? UNION ALL SELECT 1 FROM blocked_by WHERE account_id = ?", accountId, accountId).toArray();
  if (blocked.length || !target.discoverable) return fail(403, NOT_ALLOWED);
  return ok(target);
}

function tooManyItems<T>(): Result<T> {
  return fail(422, `Validation failed: Collection items too many (maximum is ${COLLECTION_MAX_ITEMS})`);
}

function insertItem(host: AccountHost, collectionId: string, account: AccountSnapshot, now: string): CollectionItemRecord {
  const item: CollectionItemRecord = { id: snowflake(), account_id: account.id, state: "accepted", created_at: now, account };
  host.sql.exec(
    "INSERT INTO collection_items (id, collection_id, account_id, state, snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    item.id,
    collectionId,
    account.id,
    item.state,
    JSON.stringify(account),
    now,
  );
  notifyFeatured(host, account.id, { item_id: item.id, collection_id: collectionId, owner_id: host.accountId(), created_at: now });
  return item;
}

// ----- reads (any reader; the owner's object answers) -----

/** Pending items are shown to the owner only; rejected and revoked ones to nobody. */
function isShown(state: string, owner: boolean): boolean {
  return state === "accepted" || (owner && state === "pending");
}

function collectionRow(sql: SqlStorage, id: string): CollectionRow | null {
  return sql.exec<CollectionRow>("SELECT * FROM collections WHERE id = ?", id).toArray()[0] ?? null;
}

function itemRows(sql: SqlStorage, collectionIds: string[]): ItemRow[] {
  return selectIn<ItemRow>(sql, (p) => `SELECT * FROM collection_items WHERE collection_id IN (${p}) ORDER BY CAST(id AS INTEGER)`, collectionIds);
}

function toRecord(host: AccountHost, row: CollectionRow, items: ItemRow[], viewerId: string | null): CollectionRecord {
  const owner = viewerId === host.accountId();
  return {
    id: row.id,
    owner: toSnapshot(host.record()!),
    name: row.name,
    description: row.description,
    language: row.language,
    sensitive: row.sensitive === 1,
    discoverable: row.discoverable === 1,
    tag_name: row.tag_name,
    created_at: row.created_at,
    updated_at: row.updated_at,
    item_count: items.filter((i) => i.collection_id === row.id && i.state === "accepted").length,
    items: items
      .filter((i) => i.collection_id === row.id && isShown(i.state, owner))
      .map((i) => ({ id: i.id, account_id: i.account_id, state: i.state as CollectionItemState, created_at: i.created_at, account: JSON.parse(i.snapshot) as AccountSnapshot })),
  };
}

function readCollection(host: AccountHost, id: string, viewerId: string | null): CollectionRecord | null {
  const row = collectionRow(host.sql, id);
  return row ? toRecord(host, row, itemRows(host.sql, [id]), viewerId) : null;
}

function blocksViewer(host: AccountHost, viewerId: string | null): boolean {
  return viewerId !== null && host.sql.exec("SELECT 1 FROM blocks WHERE account_id = ?", viewerId).toArray().length > 0;
}

/** GET /api/v1/collections/:id as `viewerId` (unverified: the Worker authenticated it) may see it. */
export function collectionFor(host: AccountHost, id: string, viewerId: string | null): Result<CollectionRecord> {
  if (!host.record()) return fail(404, NOT_FOUND);
  const found = readCollection(host, id, viewerId);
  if (!found) return fail(404, NOT_FOUND);
  return blocksViewer(host, viewerId) ? fail(403, NOT_ALLOWED) : ok(found);
}

/** This account's collections, newest first; others see the discoverable ones, a blocked reader none. */
export function collectionsOf(host: AccountHost, viewerId: string | null, page: OffsetPage): CollectionRecord[] {
  if (!host.record() || blocksViewer(host, viewerId)) return [];
  const owner = viewerId === host.accountId();
  const rows = host.sql
    .exec<CollectionRow>(
      `SELECT * FROM collections ${owner ? "" : "WHERE discoverable = 1"} ORDER BY created_at DESC, CAST(id AS INTEGER) DESC LIMIT ? OFFSET ?`,
      page.limit,
      page.offset,
    )
    .toArray();
  const items = itemRows(host.sql, rows.map((r) => r.id));
  return rows.map((r) => toRecord(host, r, items, viewerId));
}

/** The named collections (in_collections), in the order asked; missing ones are left out. */
export function collectionsByIds(host: AccountHost, ids: string[], viewerId: string): CollectionRecord[] {
  if (!host.record() || blocksViewer(host, viewerId)) return [];
  const rows = new Map(selectIn<CollectionRow>(host.sql, (p) => `SELECT * FROM collections WHERE id IN (${p})`, ids).map((r) => [r.id, r]));
  const items = itemRows(host.sql, [...rows.keys()]);
  return ids.flatMap((id) => (rows.has(id) ? [toRecord(host, rows.get(id)!, items, viewerId)] : []));
}

/** The featured account takes itself out of a collection (`revoke`): only it may. */
export async function revokeItem(host: AccountHost, collectionId: string, itemId: string, callerId: string): Promise<Result<Record<string, never>>> {
  const item = host.sql.exec<ItemRow>("SELECT * FROM collection_items WHERE id = ? AND collection_id = ?", itemId, collectionId).toArray()[0];
  if (!item) return fail(404, NOT_FOUND);
  if (item.account_id !== callerId) return fail(403, NOT_ALLOWED);
  host.storage.transactionSync(() => {
    host.sql.exec("UPDATE collection_items SET state = 'revoked' WHERE id = ?", itemId);
    notifyFeatured(host, callerId, { removed: itemId });
  });
  await host.wake();
  return ok({});
}

// ----- the featured account's side -----

/** Collections this account is featured in (`in_collections`), asked of each owner (one call per owner). */
export async function inCollections(host: AccountHost, page: OffsetPage): Promise<CollectionRecord[]> {
  const rows = host.sql
    .exec<{ collection_id: string; owner_id: string }>("SELECT collection_id, owner_id FROM featured_in ORDER BY CAST(item_id AS INTEGER) DESC LIMIT ? OFFSET ?", page.limit, page.offset)
    .toArray();
  const byOwner = new Map<string, string[]>();
  for (const r of rows) byOwner.set(r.owner_id, [...(byOwner.get(r.owner_id) ?? []), r.collection_id]);
  const me = host.accountId();
  const found = await Promise.all(
    [...byOwner].map(([owner, ids]) => (owner === me ? collectionsByIds(host, ids, me) : accountStub(host.env, owner).collectionsByIds(ids, me))),
  );
  const byId = new Map(found.flat().map((c) => [c.id, c]));
  return rows.flatMap((r) => (byId.has(r.collection_id) ? [byId.get(r.collection_id)!] : []));
}

/** The accounts among `ids` that this account blocks. */
export function blockingAmong(sql: SqlStorage, ids: string[]): string[] {
  return selectIn<{ account_id: string }>(sql, (p) => `SELECT account_id FROM blocks WHERE account_id IN (${p})`, [...new Set(ids)]).map((r) => r.account_id);
}
