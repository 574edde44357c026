import { remoteAccountIndexStub } from "../../core/stubs";

/**
 * Account ids name local accounts (an AccountObject each) or remote ones (a RemoteActorObject,
 * found through the id → URI index). Code that holds an id which may be remote (boosters,
 * voters, watchers, blockers, route parameters) asks here before calling `accountStub`: an
 * account object called with a remote id would be created, empty.
 */
const ACCOUNT_ID = /^\d{1,20}$/;

/**
 * What an id names never changes, so the isolate remembers ids found remote (with their URI)
 * and ids a local account answered for: hot reads by account id skip the index lookup.
 */
const MEMO_SIZE = 10_000;
const named = new Map<string, string | null>();

function remember(id: string, uri: string | null): void {
  if (named.size >= MEMO_SIZE) named.delete(named.keys().next().value!);
  named.set(id, uri);
}

/** The actor URI of a remote account's local id (one index lookup); null for local and unknown ids. */
export async function remoteActorUriOf(env: Env, id: string): Promise<string | null> {
  if (!ACCOUNT_ID.test(id)) return null;
  const known = named.get(id);
  if (known !== undefined) return known;
  const uri = await remoteAccountIndexStub(env, id).accountUri(id);
  if (uri) remember(id, uri);
  return uri;
}

/** Records that a local account's object answered for `id` (never for ids that were only unknown). */
export function noteLocalAccount(id: string): void {
  remember(id, null);
}

/** The remote accounts among `ids`, with their actor URIs: one index call per shard touched. */
export async function remoteActorUris(env: Env, ids: string[]): Promise<Map<string, string>> {
  const shards = new Map<string, { stub: ReturnType<typeof remoteAccountIndexStub>; ids: string[] }>();
  for (const id of new Set(ids.filter((id) => ACCOUNT_ID.test(id)))) {
    const stub = remoteAccountIndexStub(env, id);
    const key = stub.id.toString();
    const shard = shards.get(key) ?? { stub, ids: [] };
    shard.ids.push(id);
    shards.set(key, shard);
  }
  const answers = await Promise.all([...shards.values()].map((s) => s.stub.accountUris(s.ids)));
  return new Map(answers.flatMap((a) => Object.entries(a)));
}

/** `ids` without the remote accounts (order kept). */
export async function localAccountIds(env: Env, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const remote = await remoteActorUris(env, ids);
  return ids.filter((id) => !remote.has(id));
}
