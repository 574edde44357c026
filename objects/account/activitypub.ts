import type { AccountRecord } from "../../schemas/records";

/**
 * What the actor document is built from besides the public record: the Ed25519 public key
 * (FEP-521a `assertionMethod`) and the featured hashtags, read in the same RPC. Statuses and
 * follower collections are served by the statuses and graph RPCs (statusesFor,
 * accountStatuses, collection) with an anonymous viewer.
 */
export interface ActorData {
  account: AccountRecord;
  ed25519PublicMultibase: string | null;
  /** Featured hashtags, names without '#'. */
  featuredTags: string[];
}

export function actorData(sql: SqlStorage, account: AccountRecord | null): ActorData | null {
  if (!account) return null;
  const key = sql.exec<{ k: string }>("SELECT ed25519_public_multibase AS k FROM keys WHERE id = 1").toArray()[0];
  const tags = sql.exec<{ name: string }>("SELECT name FROM featured_tags ORDER BY id").toArray();
  return { account, ed25519PublicMultibase: key?.k ?? null, featuredTags: tags.map((t) => t.name) };
}
