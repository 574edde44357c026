import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { inboxStub } from "../../core/stubs";
import { findLocalUsername } from "../directory-cache";
import { FetchRefused, jsonLdTrick, readCapped } from "../../lib/federation/safe-fetch";
import type { SignedRequestParts } from "../../lib/federation/signatures";
import { sha256Base64url } from "../../lib/crypto";
import { completeVerification, prepareInbound } from "./verify";
import { isDomainBlocked } from "./domain-blocks";
import { jsonTooDeep, MAX_JSON_DEPTH } from "../../lib/json-depth";

/**
 * The Worker side of an inbox POST (design invariant 5). In order: recipient exists → size cap
 * → signature shape, coverage and time → domain block (403, before any fetch) → body digest
 * (before parsing) → nesting depth → key resolution and signature (401) → JSON and activity shape (400) → the
 * key's owner must be the activity's actor (401) → durable hand-off to the InboxObject → 202.
 */
export const MAX_INBOX_BYTES = 1024 * 1024;

const fail = (status: number, message: string): never => {
  throw new ApiError(status, message);
};

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** The actor an activity names: a URI, or an embedded object's id. */
function actorOf(activity: Record<string, unknown>): string | null {
  const a = activity.actor;
  if (typeof a === "string") return a;
  if (typeof a === "object" && a !== null && typeof (a as Record<string, unknown>).id === "string") return (a as { id: string }).id;
  return null;
}

/** A Create or Update carries its own object: that object must live on the actor's host. */
const CREATING_TYPES = new Set(["Create", "Update"]);

function embeddedObjectId(activity: Record<string, unknown>): string | null {
  const o = activity.object;
  if (typeof o !== "object" || o === null || Array.isArray(o)) return null;
  const id = (o as Record<string, unknown>).id;
  return typeof id === "string" ? id : null;
}

/** Parses and shape-checks the activity JSON (after the digest and signature were verified). */
export function parseActivity(body: Uint8Array): Record<string, unknown> & { type: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return fail(400, "Malformed JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fail(400, "An activity must be a JSON object");
  const activity = parsed as Record<string, unknown>;
  const trick = jsonLdTrick(activity);
  if (trick) fail(400, `${trick} is not accepted`);
  if (typeof activity.type !== "string" || activity.type === "") fail(400, "The activity has no type");
  return activity as Record<string, unknown> & { type: string };
}

export async function receiveInboxPost(c: Ctx, recipient: string | null): Promise<Response> {
  if (recipient !== null && !(await findLocalUsername(c.env, recipient))) fail(404, "Record not found");
  const declared = Number(c.request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > MAX_INBOX_BYTES) fail(413, "Payload too large");

  // The URL the sender signed: the request as received (before the router's normalization).
  const signed: SignedRequestParts = { method: c.request.method, url: c.request.url, headers: c.request.headers };
  const prepared = unwrap(await prepareInbound(c.env, signed));

  let body: Uint8Array;
  try {
    body = await readCapped(new Response(c.request.body), MAX_INBOX_BYTES);
  } catch (err) {
    return fail(err instanceof FetchRefused ? 413 : 400, err instanceof FetchRefused ? "Payload too large" : "Unreadable body");
  }
  // Before any key fetch or parse: absurd nesting is refused by a linear scan (lib/json-depth.ts).
  if (jsonTooDeep(body)) fail(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  const verified = unwrap(await completeVerification(c.env, c.origin, signed, prepared, body));

  const activity = parseActivity(body);
  const actor = actorOf(activity);
  if (actor === null) fail(400, "The activity has no actor");
  if (actor !== verified.owner) fail(401, "The signature's key does not belong to the activity's actor");
  // The key's host was checked before any fetch; a key cached from before a block is caught here.
  if (await isDomainBlocked(c.env, actor!)) fail(403, "Requests from this domain are refused");
  let id = activity.id;
  if (id !== undefined && typeof id !== "string") fail(400, "The activity id must be a string");
  const objectId = embeddedObjectId(activity);
  if (CREATING_TYPES.has(activity.type) && objectId !== null && hostOf(objectId) !== hostOf(actor!)) {
    fail(400, "The object is not on its actor's host");
  }
  if (typeof id === "string") {
    if (hostOf(id) === null) fail(400, "The activity id must be a URL");
    if (hostOf(id) !== hostOf(actor!)) fail(400, "The activity id is not on its actor's host");
  } else {
    // Some servers send transient activities without an id: a replay of the same bytes is still one.
    id = `urn:pronghorn:activity:${await sha256Base64url(new TextDecoder().decode(body))}`;
  }
  await inboxStub(c.env, id as string).accept({
    id: id as string,
    actor: actor!,
    type: activity.type,
    recipient,
    origin: c.origin,
    body: new TextDecoder().decode(body),
  });
  return new Response(null, { status: 202 });
}
