import { toSnapshot, type AccountSnapshot, type MentionRecord, type PollRecord, type StatusRecord } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { accountStub, remoteActorStub } from "../../core/stubs";
import { snowflake } from "../../lib/ids";
import { fetchActivityDocument, fetchPolicy } from "../../lib/federation/safe-fetch";
import { inboundStatus, sanitizeInboundStatus, type InboundPoll, type InboundStatus } from "../../core/activitypub/inbound";
import { localUsernameOf } from "../../core/activitypub/uris";
import { remoteMedia } from "../../core/activitypub/remote-media";
import { instanceActorSigner } from "./instance-actor-object";
import { type RemoteActorObject } from "./remote-actor-object";
import type { StatusRef } from "./remote-statuses";
import { asArray, idOf, isRecord, knownStatus, localAccountByUri, sameHost } from "./handlers/common";
import { type AuthorHere, resolveRemoteActor } from "./remote-actors";
import type { RemoteActor } from "./actor-document";
import { inboundQuote, registerInboundQuote } from "./inbound-quotes";

/**
 * Remote notes → remote statuses: what Create, Announce (of a status we do not hold), Add
 * (featured) and the parents of replies share. An AS2 object is converted (inbound.ts),
 * sanitized, its mentions and parent resolved (parents fetched from their origin, a bounded
 * number of levels up), and stored in its author's RemoteActorObject, which links it (index,
 * thread, parent's count) and fans it out when asked.
 */
export interface IngestContext {
  env: Env;
  o: Origin;
  /** When running inside an author's own object: notes by that author are stored with local calls. */
  here?: AuthorHere;
}

export interface IngestOptions {
  /** Deliver to local followers, mentioned accounts, timelines (false for fetched context). */
  fanout: boolean;
  /** How many parents up may still be fetched. */
  depth: number;
  /** The enclosing activity (its to/cc stand in when the object has none). */
  activity?: Record<string, unknown> | null;
  pinned?: boolean;
  /** What the caller already knows of the object's id: when it names this note and `held` is false, the lookup is skipped. */
  known?: { uri: string | null; held: false } | null;
}

export interface HeldStatus {
  ref: StatusRef;
  record: StatusRecord;
}

/** Parents of a new reply fetched from their origin, at most this many levels up. */
export const PARENT_DEPTH = 5;
/** Remote mentioned actors fetched per status (known ones cost nothing). */
const MENTION_FETCHES = 5;

/**
 * Stores a remote note by `author` (idempotent by its id). Null when the object is unusable
 * (not a status type, id on another host, attributed to someone else...).
 */
export async function ingestNote(c: IngestContext, object: Record<string, unknown>, author: RemoteActor, options: IngestOptions): Promise<HeldStatus | null> {
  const parsed = inboundStatus(object, { actor: author.uri, actorFollowers: author.followers, activity: options.activity ?? null, local: c.o });
  if (!parsed.ok) return null;
  const authorObject: Pick<RemoteActorObject, "statusByUri" | "storeStatus" | "statusesById"> =
    c.here?.uri === author.uri ? c.here.object : (remoteActorStub(c.env, author.uri) as unknown as RemoteActorObject);
  const knownAbsent = options.known?.held === false && options.known.uri === parsed.value.uri;
  const existing = knownAbsent ? null : await authorObject.statusByUri(parsed.value.uri);
  if (existing) return { ref: { id: existing.id, accountId: author.id, actorUri: author.uri }, record: existing };

  const s = await sanitizeInboundStatus(parsed.value);
  const parent = s.in_reply_to_uri ? await resolveStatus(c, s.in_reply_to_uri, options.depth) : null;
  const mentions = await resolveMentions(c, s);
  const quote = s.quote_uri
    ? await inboundQuote({ env: c.env, o: c.o, uri: s.uri, authorization: s.quote_authorization, author, quotedUri: s.quote_uri, quoted: (await resolveStatus(c, s.quote_uri, Math.min(options.depth, 1)))?.record ?? null })
    : null;
  const now = Date.now();
  const published = Date.parse(s.created_at);
  const id = snowflake(Number.isFinite(published) ? Math.min(published, now) : now);
  const record: StatusRecord = {
    id,
    uri: s.uri,
    url: s.url,
    account: author.account,
    in_reply_to_id: parent?.record.id ?? null,
    in_reply_to_account_id: parent?.record.account.id ?? null,
    conversation_id: parent?.record.conversation_id ?? id,
    reblog: null,
    content: s.content,
    spoiler_text: s.spoiler_text,
    visibility: s.visibility,
    sensitive: s.sensitive,
    language: s.language,
    created_at: s.created_at,
    edited_at: s.edited_at && s.edited_at > s.created_at ? s.edited_at : null,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    mentions: mentions.records,
    tags: s.tags,
    poll: s.poll ? pollRecord(id, s.poll) : null,
    application: null,
    ...(s.attachments.length ? { media_attachments: remoteMedia(s.attachments, () => snowflake()) } : {}),
    ...(quote ? { quote } : {}),
    ...(s.quote_policy ? { quote_policy: s.quote_policy } : {}),
  };
  const participants = s.visibility === "direct" ? [author.account, ...mentions.snapshots] : undefined;
  const stored = await authorObject.storeStatus({
    record,
    inReplyToUri: s.in_reply_to_uri,
    parent: parent?.ref ?? null,
    reblogOf: null,
    audience: mentions.localIds,
    fanout: options.fanout,
    participants,
    pinned: options.pinned,
  });
  const ref = { id: stored.id, accountId: author.id, actorUri: author.uri };
  if (stored.created && quote) await registerInboundQuote(c.env, { ...record, id: stored.id });
  if (stored.created) return { ref, record };
  const held = await authorObject.statusesById([stored.id]);
  return held[0] ? { ref, record: held[0] } : null;
}

export function pollRecord(id: string, poll: InboundPoll): PollRecord {
  return { id, ...poll };
}

/**
 * A status by ActivityPub id or URL: one we hold (local or remote), else fetched from its
 * origin and stored without fan-out (with its own parents, `depth` levels up). Null if none.
 */
export async function resolveStatus(c: IngestContext, uri: string, depth: number): Promise<HeldStatus | null> {
  const known = await knownStatus(c.env, c.o, uri);
  if (known) {
    const record = known.actorUri
      ? (await (known.actorUri === c.here?.uri ? c.here.object : remoteActorStub(c.env, known.actorUri)).statusesById([known.id]))[0]
      : (await accountStub(c.env, known.accountId).statusesFor([known.id], known.accountId))[0];
    return record ? { ref: known, record } : null;
  }
  if (depth <= 0 || sameHost(uri, c.o.origin)) return null;
  const fetched = await fetchNote(c, uri);
  return fetched ? ingestNote(c, fetched.object, fetched.author, { fanout: false, depth: depth - 1 }) : null;
}

/**
 * Fetches a note from its origin (never trusting a copy): the document's id must be its URL
 * (safe-fetch checks), its author on the same host, and the author an actor we can resolve.
 */
export async function fetchNote(c: IngestContext, uri: string): Promise<{ object: Record<string, unknown>; author: RemoteActor } | null> {
  if (sameHost(uri, c.o.origin)) return null; // ours are local statuses, never fetched
  let object: Record<string, unknown>;
  try {
    ({ document: object } = await fetchActivityDocument(uri, fetchPolicy(c.env), { signer: instanceActorSigner(c.env, c.o.origin) }));
  } catch {
    return null;
  }
  const authorUri = asArray(object.attributedTo).map(idOf).find((a): a is string => a !== null);
  if (!authorUri || !sameHost(authorUri, String(object.id))) return null;
  const author = await resolveRemoteActor(c.env, authorUri, { origin: c.o.origin });
  if (!author.ok) return null;
  if (await remoteActorStub(c.env, authorUri).isDeleted()) return null;
  return { object, author: author.value };
}

export interface ResolvedMentions {
  records: MentionRecord[];
  /** Local accounts notified and allowed to see it: in a Mention tag AND addressed. */
  localIds: string[];
  /** Snapshots of the mentioned accounts (for direct conversations). */
  snapshots: AccountSnapshot[];
}

/**
 * Mention tags → mention records. A local account counts only when it is also addressed (a
 * Mention tag alone notifies nobody, as in Mastodon); remote ones when we can resolve them.
 */
export async function resolveMentions(c: IngestContext, s: InboundStatus): Promise<ResolvedMentions> {
  const records: MentionRecord[] = [];
  const localIds: string[] = [];
  const snapshots: AccountSnapshot[] = [];
  const addressedLocal = new Set(s.local_mentions.map((u) => u.toLowerCase()));
  let fetches = 0;
  for (const m of s.mentions) {
    const username = localUsernameOf(c.o, m.href);
    if (username !== null) {
      if (!addressedLocal.has(username.toLowerCase())) continue;
      const local = await localAccountByUri(c.env, c.o, m.href);
      if (!local || localIds.includes(local.id)) continue;
      localIds.push(local.id);
      records.push({ id: local.id, username: local.username, domain: null });
      if (s.visibility === "direct") {
        const full = await accountStub(c.env, local.id).get();
        if (full) snapshots.push(toSnapshot(full));
      }
      continue;
    }
    if (sameHost(m.href, c.o.origin)) continue; // one of our URLs that names no account
    let actor = await remoteActorStub(c.env, m.href).get();
    if (!actor && fetches < MENTION_FETCHES && m.href.startsWith("http")) {
      fetches++;
      const resolved = await resolveRemoteActor(c.env, m.href, { origin: c.o.origin });
      actor = resolved.ok ? resolved.value : null;
    }
    if (!actor || records.some((r) => r.id === actor!.id)) continue;
    records.push({ id: actor.id, username: actor.account.username, domain: actor.account.domain, url: actor.account.url ?? actor.uri, uri: actor.uri });
    if (s.visibility === "direct") snapshots.push(actor.account);
  }
  return { records, localIds, snapshots };
}

/** The object of an activity: embedded, or fetched from its origin when it is only an id. */
export async function objectOfActivity(c: IngestContext, activity: Record<string, unknown>, actor: string): Promise<Record<string, unknown> | null> {
  const object = activity.object;
  if (isRecord(object)) return object;
  if (typeof object !== "string" || !sameHost(object, actor)) return null;
  try {
    const { document } = await fetchActivityDocument(object, fetchPolicy(c.env), { signer: instanceActorSigner(c.env, c.o.origin) });
    return document;
  } catch {
    return null;
  }
}
