import type { Origin } from "../../../core/serializers/account";
import { directoryStub, remoteActorStub } from "../../../core/stubs";
import { localUsernameOf } from "../../../core/activitypub/uris";
import { locateStatusOwners, remoteStatusByUri } from "../../status-index/locate";

import type { StatusRef } from "../remote-statuses";
import type { InboxContext } from "./registry";
import { resolveRemoteActor } from "../remote-actors";
import type { RemoteActor } from "../actor-document";

/** Small readers shared by the activity handlers. Handlers open with guard clauses built on them. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** A string id, or the `id` of an embedded object. */
export function idOf(v: unknown): string | null {
  if (typeof v === "string" && v !== "") return v;
  if (isRecord(v) && typeof v.id === "string" && v.id !== "") return v.id;
  return null;
}

/** The first type of an object (types may be an array). */
export function typeOf(v: unknown): string | null {
  if (!isRecord(v)) return null;
  const first = asArray(v.type).find((t) => typeof t === "string");
  return typeof first === "string" ? first : null;
}

export function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

export function sameHost(a: string, b: string): boolean {
  const h = hostOf(a);
  return h !== null && h === hostOf(b);
}

export function originOf(ctx: Pick<InboxContext, "origin">): Origin {
  const url = new URL(ctx.origin);
  return { origin: url.origin, domain: url.host };
}

/**
 * The activity's actor as stored (the signature check fetched it). Null when it is gone or
 * deleted here: the activity is dropped. A transient fetch failure throws, so the inbox retries.
 */
export async function senderOf(ctx: InboxContext): Promise<RemoteActor | null> {
  const known = ctx.arrival?.sender;
  const resolved = known ?? (await resolveRemoteActor(ctx.env, ctx.actor, { origin: ctx.origin }));
  if (!resolved.ok) {
    if (resolved.status >= 500) throw new Error(`actor ${ctx.actor}: ${resolved.error}`);
    return null;
  }
  if (known ? ctx.arrival!.actorDeleted : await remoteActorStub(ctx.env, ctx.actor).isDeleted()) return null;
  return resolved.value;
}

export interface LocalAccount {
  id: string;
  username: string;
}

/** The local account an actor URI or profile URL of this instance names (approved ones only). */
export async function localAccountByUri(env: Env, o: Origin, uri: string): Promise<LocalAccount | null> {
  const username = localUsernameOf(o, uri);
  if (!username) return null;
  const entry = await directoryStub(env).findByUsername(username);
  return entry && entry.approved ? { id: entry.id, username: entry.username } : null;
}

const LOCAL_STATUS_PATHS = [/^\/users\/[A-Za-z0-9_]{1,30}\/statuses\/(\d{1,20})$/, /^\/@[A-Za-z0-9_]{1,30}\/(\d{1,20})$/];

/** The id of a local status from its URI or page URL, or null when the URL is not one of ours. */
export function localStatusIdOf(o: Origin, uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.origin !== new URL(o.origin).origin || url.search || url.hash) return null;
  for (const pattern of LOCAL_STATUS_PATHS) {
    const match = pattern.exec(url.pathname);
    if (match) return match[1];
  }
  return null;
}

/**
 * A status we already hold, by its ActivityPub id or URL: local (from its URI) or remote (the
 * URI index). No fetch; null when unknown.
 */
export async function knownStatus(env: Env, o: Origin, uri: string): Promise<StatusRef | null> {
  const localId = localStatusIdOf(o, uri);
  if (localId) {
    const owner = (await locateStatusOwners(env, [localId])).get(localId);
    return owner && !owner.actorUri ? { id: localId, accountId: owner.accountId, actorUri: null } : null;
  }
  const entry = await remoteStatusByUri(env, uri);
  return entry ? { id: entry.id, accountId: entry.accountId, actorUri: entry.actorUri } : null;
}
