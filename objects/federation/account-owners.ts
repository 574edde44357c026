import { remoteAccountIndexStub } from "../../core/stubs";

/**
 * Account ids name local accounts (an AccountObject each) or remote ones (a RemoteActorObject,
 * found through the id → URI index). Code that holds an id which may be remote (boosters,
 * voters, watchers, blockers, route parameters) asks here before calling `accountStub`: an
 * account object called with a remote id would be created, empty.
 */
const ACCOUNT_ID = /^\d{1,20}$/;

/** The actor URI of a remote account's local id (one index lookup); null for local and unknown ids. */
export async function remoteActorUriOf(env: Env, id: string): Promise<string | null> {
  if (!ACCOUNT_ID.test(id)) return null;
  return remoteAccountIndexStub(env, id).accountUri(id);
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
