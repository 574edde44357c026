import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { isDomainRefused } from "../../core/domain-policy";
import { fetchActivityDocument, fetchPolicy, FetchRefused } from "../../lib/federation/safe-fetch";
import { parseHandle } from "../../lib/federation/webfinger";
import { ACTOR_TYPES } from "../../objects/federation/actor-document";
import { instanceActorSigner } from "../../objects/federation/instance-actor-object";
import { ACTOR_MAX_AGE_MS } from "../../objects/federation/remote-actor-object";
import { ingestNote, PARENT_DEPTH, resolveStatus } from "../../objects/federation/inbound-notes";
import { asArray, idOf, knownStatus, sameHost } from "../../objects/federation/handlers/common";
import { remoteActorById, resolveRemoteActor } from "../../objects/federation/remote-actors";
import { resolveHandle } from "../../objects/federation/handles";

/**
 * Remote accounts and statuses for the client API: `acct:user@domain` through WebFinger then
 * the actor document (lookup, search with `resolve`), actor and status URLs (search), and
 * remote accounts by their local id (`/api/v1/accounts/:id`), refreshed in the background when
 * stale. Remote statuses are stored by the inbound side (objects/federation/remote-statuses.ts).
 */

export type Resolved = { kind: "account"; account: AccountSnapshot } | { kind: "status"; status: StatusRecord };

export { resolveHandle };

/** An actor URI → its account (fetched or stored); null when it is not a usable actor. */
export async function resolveActorUri(env: Env, o: Origin, uri: string): Promise<AccountSnapshot | null> {
  const actor = await resolveRemoteActor(env, uri, { origin: o.origin });
  return actor.ok ? actor.value.account : null;
}

/**
 * A URL pasted into search: an actor (or profile page serving AS2) → account; a Note or other
 * object → status (stored through the inbound side). Null when nothing usable is there.
 */
export async function resolveUrl(env: Env, o: Origin, url: string): Promise<Resolved | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin === o.origin) return null;
  const held = await knownStatus(env, o, parsed.href);
  if (held) {
    const found = await resolveStatus({ env, o }, parsed.href, 0);
    return found ? { kind: "status", status: found.record } : null;
  }
  let document: Record<string, unknown>;
  try {
    ({ document } = await fetchActivityDocument(parsed.href, fetchPolicy(env), { signer: instanceActorSigner(env, o.origin) }));
  } catch (err) {
    if (err instanceof FetchRefused) return null;
    throw err;
  }
  const type = typeof document.type === "string" ? document.type : "";
  if (ACTOR_TYPES.has(type)) {
    const account = await resolveActorUri(env, o, document.id as string);
    return account ? { kind: "account", account } : null;
  }
  // Any other object is a status of its author (same host), stored like a fetched parent.
  const authorUri = asArray(document.attributedTo).map(idOf).find((a): a is string => a !== null);
  if (!authorUri || !sameHost(authorUri, String(document.id))) return null;
  const author = await resolveRemoteActor(env, authorUri, { origin: o.origin });
  if (!author.ok) return null;
  const stored = await ingestNote({ env, o }, document, author.value, { fanout: false, depth: PARENT_DEPTH });
  return stored ? { kind: "status", status: stored.record } : null;
}

/** What `/api/v2/search?resolve=true` finds for a query that names a remote thing, or null. */
export async function resolveSearchQuery(env: Env, o: Origin, q: string): Promise<Resolved | null> {
  const query = q.trim();
  if (/^https?:\/\//i.test(query)) return resolveUrl(env, o, query);
  if (parseHandle(query)) {
    const account = await resolveHandle(env, o, query);
    return account ? { kind: "account", account } : null;
  }
  return null;
}

/**
 * A remote account by its local id, as stored; a stale one (older than a day) is refreshed in
 * the background (`waitUntil`) and served as it is meanwhile. Null for local or unknown ids.
 */
export async function remoteAccountById(env: Env, o: Origin, id: string, waitUntil?: (p: Promise<unknown>) => void): Promise<AccountSnapshot | null> {
  const actor = await remoteActorById(env, id);
  // Accounts of suspended domains are hidden, as Mastodon hides suspended accounts.
  if (!actor || (await isDomainRefused(env, actor.uri))) return null;
  if (waitUntil && Date.now() - Date.parse(actor.fetchedAt) > ACTOR_MAX_AGE_MS) {
    waitUntil(resolveRemoteActor(env, actor.uri, { origin: o.origin }).catch(() => undefined));
  }
  return actor.account;
}

/**
 * `/api/v2/search?resolve=true` (search.ts): the remote account or status a query names
 * (`@user@domain`, `user@domain`, an actor, profile or status URL of another server), in the
 * shape of the search input; null when the query names nothing remote that could be had.
 */
export async function resolveRemoteSearch(
  c: { env: Env; origin: string; domain: string },
  q: string,
): Promise<{ resolvedAccount: AccountSnapshot | null; resolvedStatuses: StatusRecord[] } | null> {
  const found = await resolveSearchQuery(c.env, { origin: c.origin, domain: c.domain }, q);
  if (!found) return null;
  return found.kind === "account" ? { resolvedAccount: found.account, resolvedStatuses: [] } : { resolvedAccount: null, resolvedStatuses: [found.status] };
}

/** The actor URI of a remote account's local id (objects/federation/account-owners.ts). */
export { remoteActorUriOf } from "../../objects/federation/account-owners";
