import { statusIndexStub, statusUriIndexStub } from "../../core/stubs";
import type { IndexEntry, StatusOwner, UriEntry } from "./status-index-object";

export type { StatusOwner, UriEntry };

/** Ids that can be looked up: digit strings that fit a snowflake. */
export const STATUS_ID = /^\d{1,20}$/;

const shardKey = (id: string) => (BigInt(id) % 16n).toString();

function byShard<T>(items: T[], idOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = shardKey(idOf(item));
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return groups;
}

/** Owner account id of each status id (one call per shard touched, in parallel; remembered per isolate). */
export async function locateStatuses(env: Env, ids: string[]): Promise<Map<string, string>> {
  return new Map([...(await locateStatusOwners(env, ids))].map(([id, owner]) => [id, owner.accountId]));
}

export async function locateStatus(env: Env, id: string): Promise<string | null> {
  if (!STATUS_ID.test(id)) return null;
  return (await locateStatusOwners(env, [id])).get(id)?.accountId ?? null;
}

export async function indexStatuses(env: Env, entries: IndexEntry[]): Promise<void> {
  await Promise.all([...byShard(entries, (e) => e.id).values()].map((group) => statusIndexStub(env, group[0].id).add(group)));
}

export async function unindexStatuses(env: Env, ids: string[]): Promise<void> {
  await Promise.all([...byShard(ids, (id) => id).values()].map((group) => statusIndexStub(env, group[0]).remove(group)));
}

/**
 * A status's owner never changes, so the isolate remembers owners it was told (a deleted status
 * is then answered "not found" by its owner). Reads of a status by id skip the index lookup.
 */
const OWNERS_MEMO_SIZE = 10_000;
const knownOwners = new Map<string, StatusOwner>();

/** Where each status lives: a local account, or a remote author's object (`actorUri` set). */
export async function locateStatusOwners(env: Env, ids: string[]): Promise<Map<string, StatusOwner>> {
  const found = new Map<string, StatusOwner>();
  const unknown: string[] = [];
  for (const id of new Set(ids.filter((id) => STATUS_ID.test(id)))) {
    const owner = knownOwners.get(id);
    if (owner) found.set(id, owner);
    else unknown.push(id);
  }
  const groups = [...byShard(unknown, (id) => id).values()];
  const answers = await Promise.all(groups.map((group) => statusIndexStub(env, group[0]).owners(group)));
  for (const [id, owner] of answers.flatMap((a) => Object.entries(a))) {
    if (knownOwners.size >= OWNERS_MEMO_SIZE) knownOwners.delete(knownOwners.keys().next().value!);
    knownOwners.set(id, owner);
    found.set(id, owner);
  }
  return new Map(ids.filter((id) => found.has(id)).map((id) => [id, found.get(id)!]));
}

/** The local id of a remote status we hold, by its ActivityPub id. */
export function remoteStatusByUri(env: Env, uri: string): Promise<UriEntry | null> {
  return statusUriIndexStub(env, uri).byUri(uri);
}

export function indexStatusUri(env: Env, uri: string, entry: UriEntry): Promise<void> {
  return statusUriIndexStub(env, uri).putUri(uri, entry);
}

export function unindexStatusUri(env: Env, uri: string, id: string): Promise<void> {
  return statusUriIndexStub(env, uri).removeUri(uri, id);
}
