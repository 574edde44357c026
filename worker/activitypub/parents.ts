import type { StatusRecord } from "../../schemas/records";
import { actorUri, type Origin } from "../../core/serializers/account";
import { directoryStub } from "../../core/stubs";
import { derivedParentUri } from "../../core/activitypub/note";

/**
 * `inReplyTo` of each reply among `statuses`: derived from the record when it names the
 * parent's author, else looked up in the directory (local parents). Remote parents need the
 * remote status store (phase 3) and come out null until then.
 */
export async function parentUris(env: Env, o: Origin, statuses: StatusRecord[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const unresolved: StatusRecord[] = [];
  for (const s of statuses) {
    if (!s.in_reply_to_id || s.reblog) continue;
    const derived = derivedParentUri(s, o);
    if (derived) out.set(s.id, derived);
    else unresolved.push(s);
  }
  const authorIds = [...new Set(unresolved.map((s) => s.in_reply_to_account_id).filter((id): id is string => id !== null))];
  const entries = await Promise.all(authorIds.map((id) => directoryStub(env).findById(id)));
  const usernames = new Map(authorIds.map((id, i) => [id, entries[i]?.username ?? null]));
  for (const s of unresolved) {
    const username = s.in_reply_to_account_id ? usernames.get(s.in_reply_to_account_id) : null;
    out.set(s.id, username ? `${actorUri(o, username)}/statuses/${s.in_reply_to_id}` : null);
  }
  return out;
}
