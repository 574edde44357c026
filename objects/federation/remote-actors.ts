import { fail, type Result } from "../../lib/result";
import { remoteActorStub } from "../../core/stubs";
import type { StatusRecord } from "../../schemas/records";
import type { RemoteActor } from "./actor-document";
import type { NewRemoteStatus } from "./remote-statuses";
import { remoteActorUriOf } from "./account-owners";

/** How code outside a remote actor's object reaches it: URIs checked before any object is made. */

export interface ResolveOptions {
  /** Our origin (e.g. https://example.com): the instance actor's key id depends on it. */
  origin: string;
  /** Refetch even if the stored document is fresh (throttled). */
  refresh?: boolean;
}

/** What `RemoteActorObject.arrival` answers (see there); `sender` is absent when `objectDeleted`. */
export interface Arrival {
  objectDeleted: boolean;
  sender?: Result<RemoteActor>;
  actorDeleted?: boolean;
  hasLocalFollowers?: boolean;
  holdsObject?: boolean;
}

/** What inbound handlers use of an actor's object when they run inside it (RemoteActorObject implements it). */
export interface ActorObjectHere {
  arrivalHere(uri: string, options: ResolveOptions, objectId: string | null): Promise<Arrival>;
  storeStatus(input: NewRemoteStatus): Promise<{ id: string; created: boolean }>;
  statusByUri(uri: string): Promise<StatusRecord | null>;
  statusesById(ids: string[]): Promise<StatusRecord[]>;
}

/** A handler running inside the actor's own object (registry.ts `here`). */
export interface AuthorHere {
  uri: string;
  object: ActorObjectHere;
}

export function isUsableActorUri(uri: string): boolean {
  return invalidActorUri(uri) === null;
}

/** `RemoteActorObject.arrival` for the activity's (verified) actor: one call instead of four or five. */
export async function arrivalOf(env: Env, uri: string, origin: string, objectId: string | null): Promise<Arrival> {
  const invalid = invalidActorUri(uri);
  if (invalid) return { objectDeleted: false, sender: invalid, actorDeleted: false, hasLocalFollowers: false, holdsObject: false };
  return JSON.parse(await remoteActorStub(env, uri).arrival(uri, { origin }, objectId)) as Arrival;
}

function invalidActorUri(uri: string): Result<never> | null {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return fail(422, "Invalid actor URI");
  }
  if (parsed.hash || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return fail(422, "Invalid actor URI");
  return null;
}

/**
 * THE entry point for remote actors: the stored actor, fetched or refreshed as needed (24 h
 * staleness, `refresh` to force, throttled). Phase 3 calls this for followers, mentions, etc.
 */
export async function resolveRemoteActor(env: Env, uri: string, options: ResolveOptions): Promise<Result<RemoteActor>> {
  return invalidActorUri(uri) ?? remoteActorStub(env, uri).resolve(uri, options);
}

/** A remote account by its local id (for `/api/v1/accounts/:id`), without fetching. */
export async function remoteActorById(env: Env, id: string): Promise<RemoteActor | null> {
  const uri = await remoteActorUriOf(env, id);
  return uri ? remoteActorStub(env, uri).get() : null;
}
