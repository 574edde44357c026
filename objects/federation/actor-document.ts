import type { AccountSnapshot, ProfileField } from "../../schemas/records";
import { htmlToText, sanitizeHtml } from "../../lib/federation/sanitize";

/**
 * A remote actor as we keep it: the account snapshot embedded everywhere (statuses,
 * notifications), plus what federation needs (inboxes, keys, collections).
 */
export interface RemoteActor {
  /** Local snowflake id, assigned once. */
  id: string;
  uri: string;
  type: string;
  account: AccountSnapshot;
  inbox: string;
  sharedInbox: string | null;
  outbox: string | null;
  followers: string | null;
  following: string | null;
  featured: string | null;
  /** The first key the actor lists (its `#main-key` in practice). */
  publicKey: RemoteKey | null;
  keys: RemoteKey[];
  alsoKnownAs: string[];
  movedTo: string | null;
  /** ISO time of the last successful fetch. */
  fetchedAt: string;
}

export interface RemoteKey {
  id: string;
  pem: string;
}

export const ACTOR_TYPES = new Set(["Person", "Service", "Application", "Group", "Organization"]);
const MAX_FIELDS = 16;
const MAX_TEXT = 10_000;

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);

function httpUrl(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** `url` may be a string, a Link object or an array of them; we take the first http(s) href. */
function firstHref(v: unknown): string | null {
  for (const item of asArray(v)) {
    const href = typeof item === "string" ? item : typeof item === "object" && item ? (item as Record<string, unknown>).href : null;
    const url = httpUrl(href);
    if (url) return url;
  }
  return null;
}

function imageUrl(v: unknown): string | null {
  for (const item of asArray(v)) {
    if (typeof item === "string") return httpUrl(item);
    if (typeof item === "object" && item) {
      const url = firstHref((item as Record<string, unknown>).url);
      if (url) return url;
    }
  }
  return null;
}

/** The keys an actor lists as its own: `publicKey` entries whose owner is the actor. */
export function actorKeys(doc: Record<string, unknown>): RemoteKey[] {
  const keys: RemoteKey[] = [];
  for (const entry of asArray(doc.publicKey)) {
    if (typeof entry !== "object" || entry === null) continue;
    const k = entry as Record<string, unknown>;
    const id = str(k.id);
    const pem = str(k.publicKeyPem);
    const owner = k.owner === undefined ? doc.id : k.owner;
    if (id && pem && owner === doc.id) keys.push({ id, pem });
  }
  return keys;
}

function isoOrNull(v: unknown): string | null {
  const s = str(v);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Parses a fetched (id-verified) actor document; returns an error message when it is unusable. */
export async function parseActorDocument(
  doc: Record<string, unknown>,
  localId: string,
  fetchedAt: number,
): Promise<{ ok: true; actor: RemoteActor } | { ok: false; error: string }> {
  const uri = httpUrl(doc.id);
  if (!uri || uri !== doc.id) return { ok: false, error: "actor has no valid id" };
  const type = str(doc.type);
  if (!type || !ACTOR_TYPES.has(type)) return { ok: false, error: `not an actor type: ${String(doc.type)}` };
  const username = str(doc.preferredUsername);
  if (!username || username.length > 255 || /[\s@]/.test(username)) return { ok: false, error: "actor has no usable preferredUsername" };
  const inbox = httpUrl(doc.inbox);
  if (!inbox) return { ok: false, error: "actor has no inbox" };
  const endpoints = typeof doc.endpoints === "object" && doc.endpoints ? (doc.endpoints as Record<string, unknown>) : {};
  const keys = actorKeys(doc);
  const summary = typeof doc.summary === "string" ? doc.summary.slice(0, MAX_TEXT) : "";
  const fields: ProfileField[] = [];
  for (const item of asArray(doc.attachment)) {
    if (fields.length >= MAX_FIELDS) break;
    const f = typeof item === "object" && item ? (item as Record<string, unknown>) : null;
    if (!f || f.type !== "PropertyValue" || typeof f.name !== "string" || typeof f.value !== "string") continue;
    const valueHtml = await sanitizeHtml(f.value.slice(0, MAX_TEXT));
    fields.push({ name: f.name.slice(0, 255), value: await htmlToText(valueHtml), value_html: valueHtml, verified_at: null });
  }
  const noteHtml = await sanitizeHtml(summary);
  const fetchedIso = new Date(fetchedAt).toISOString();
  const account: AccountSnapshot = {
    id: localId,
    username,
    domain: new URL(uri).host,
    display_name: typeof doc.name === "string" ? doc.name.slice(0, 255) : "",
    note: await htmlToText(noteHtml),
    note_html: noteHtml,
    fields,
    locked: doc.manuallyApprovesFollowers === true,
    bot: type === "Service" || type === "Application",
    discoverable: doc.discoverable === true,
    indexable: doc.indexable === true,
    hide_collections: false,
    privacy: "public",
    sensitive: false,
    language: null,
    role: "user",
    avatar_url: imageUrl(doc.icon),
    header_url: imageUrl(doc.image),
    created_at: isoOrNull(doc.published) ?? fetchedIso,
    last_status_at: null,
    statuses_count: 0,
    followers_count: 0,
    following_count: 0,
    uri,
    url: firstHref(doc.url) ?? uri,
  };
  return {
    ok: true,
    actor: {
      id: localId,
      uri,
      type,
      account,
      inbox,
      sharedInbox: httpUrl(endpoints.sharedInbox),
      outbox: httpUrl(doc.outbox),
      followers: httpUrl(doc.followers),
      following: httpUrl(doc.following),
      featured: httpUrl(doc.featured),
      publicKey: keys[0] ?? null,
      keys,
      alsoKnownAs: asArray(doc.alsoKnownAs).filter((v): v is string => typeof v === "string").slice(0, 20),
      movedTo: httpUrl(doc.movedTo),
      fetchedAt: fetchedIso,
    },
  };
}
