/**
 * The streaming API's wire protocol (Mastodon's `streaming/index.js`), kept pure: stream names
 * and their parameters, client messages (`subscribe`/`unsubscribe`), event envelopes and the
 * scopes each stream needs. Sockets and rendering live in the other modules of this folder.
 */
import { normalizeTag as normalizeTagName } from "../../lib/status-text";

export const USER_STREAMS = ["user", "user:notification", "list", "direct"] as const;
export const PUBLIC_STREAMS = [
  "public",
  "public:media",
  "public:local",
  "public:local:media",
  "public:remote",
  "public:remote:media",
] as const;
export const HASHTAG_STREAMS = ["hashtag", "hashtag:local"] as const;

export type UserStream = (typeof USER_STREAMS)[number];
export type PublicStream = (typeof PUBLIC_STREAMS)[number];
export type HashtagStream = (typeof HASHTAG_STREAMS)[number];
export type StreamName = UserStream | PublicStream | HashtagStream;

/** Keeps a connection's attachment small (hashtags longer than this do not exist in practice). */
const MAX_TAG_LENGTH = 100;

const KNOWN = new Set<string>([...USER_STREAMS, ...PUBLIC_STREAMS, ...HASHTAG_STREAMS]);

export type StreamEventName =
  | "update"
  | "delete"
  | "notification"
  | "status.update"
  | "conversation"
  | "filters_changed"
  | "notifications_merged";

/**
 * One stream a client listens to. `param` is the tag or list id exactly as the client sent it:
 * clients (masto.js) drop events whose `stream` array does not contain their own spelling.
 */
export interface Subscription {
  stream: StreamName;
  param?: string;
}

export class StreamError {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: StreamError };

const bad = (status: number, message: string): Parsed<never> => ({ ok: false, error: new StreamError(status, message) });

/** A hashtag as stored by timelines (lib/status-text.ts), without a leading '#'. */
export function normalizeTag(tag: string): string {
  return normalizeTagName(tag.replace(/^#/, ""));
}

export function isHashtagStream(name: StreamName): name is HashtagStream {
  return name === "hashtag" || name === "hashtag:local";
}

export function isPublicStream(name: StreamName): name is PublicStream {
  return (PUBLIC_STREAMS as readonly string[]).includes(name);
}

/** Validates a stream name and its parameter (`tag` for hashtags, `list` for lists). */
export function parseSubscription(stream: unknown, params: { tag?: unknown; list?: unknown }): Parsed<Subscription> {
  if (typeof stream !== "string" || !KNOWN.has(stream)) return bad(400, "Unknown stream type");
  const name = stream as StreamName;
  if (isHashtagStream(name)) {
    const tag = typeof params.tag === "string" ? params.tag.trim() : "";
    if (!tag || normalizeTag(tag) === "") return bad(400, "Missing tag name parameter");
    if (tag.length > MAX_TAG_LENGTH) return bad(400, "Invalid tag name parameter");
    return { ok: true, value: { stream: name, param: tag } };
  }
  if (name === "list") {
    const list = typeof params.list === "string" || typeof params.list === "number" ? String(params.list).trim() : "";
    if (!list) return bad(400, "Missing list name parameter");
    if (!/^\d{1,20}$/.test(list)) return bad(401, "Not authorized to stream this list");
    return { ok: true, value: { stream: name, param: list } };
  }
  return { ok: true, value: { stream: name } };
}

/**
 * The key that identifies a subscription regardless of spelling: `hashtag:local#foo`,
 * `list#12`, `public:local`. Two subscriptions with the same key are the same stream.
 */
export function streamKey(sub: Subscription): string {
  if (isHashtagStream(sub.stream)) return `${sub.stream}#${normalizeTag(sub.param ?? "")}`;
  if (sub.stream === "list") return `list#${sub.param}`;
  return sub.stream;
}

/** The `stream` array of an event: the name plus the parameter as the client spelled it. */
export function streamArray(sub: Subscription): string[] {
  return sub.param !== undefined ? [sub.stream, sub.param] : [sub.stream];
}

export type ClientMessage = { type: "subscribe" | "unsubscribe"; subscription: Subscription };

/** Parses a text frame from a client. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return bad(400, "Error parsing JSON");
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) return bad(400, "Invalid message");
  const { type, stream, tag, list } = data as Record<string, unknown>;
  if (type !== "subscribe" && type !== "unsubscribe") return bad(400, "Unknown message type");
  const parsed = parseSubscription(stream, { tag, list });
  return parsed.ok ? { ok: true, value: { type, subscription: parsed.value } } : parsed;
}

/** `{"stream":[...],"event":"update","payload":"<JSON string>"}`; no payload for filters_changed. */
export function envelope(sub: Subscription, event: StreamEventName, payload: string | undefined): string {
  return JSON.stringify(payload === undefined ? { stream: streamArray(sub), event } : { stream: streamArray(sub), event, payload });
}

export function errorMessage(error: StreamError): string {
  return JSON.stringify({ error: error.message, status: error.status });
}

/**
 * Mastodon: `read` opens every stream; otherwise `user:notification` needs
 * `read:notifications` and every other stream `read:statuses`.
 */
export function streamScope(name: StreamName): string {
  return name === "user:notification" ? "read:notifications" : "read:statuses";
}

/** Which streams an event addressed to a user's own streams goes to. */
export function userStreamsFor(event: StreamEventName): UserStream[] {
  switch (event) {
    case "notification":
    case "notifications_merged":
      return ["user", "user:notification"];
    case "conversation":
      return ["direct"];
    default:
      return ["user"];
  }
}

/**
 * The public streams a status reaches on the public timeline (`local`: posted here;
 * `media`: has attachments). Hashtag timelines: `hashtag`, plus `hashtag:local` if local.
 */
export function publicStreamsFor(local: boolean, media: boolean): PublicStream[] {
  const base: PublicStream[] = ["public", local ? "public:local" : "public:remote"];
  return media ? [...base, ...base.map((s) => `${s}:media` as PublicStream)] : base;
}

export function hashtagStreamsFor(local: boolean): HashtagStream[] {
  return local ? ["hashtag", "hashtag:local"] : ["hashtag"];
}

/** SSE paths (`/api/v1/streaming/<path>`) and the stream each serves; `only_media` picks :media. */
export function streamForSsePath(path: string, onlyMedia: boolean): StreamName | null {
  const media = (s: PublicStream) => (onlyMedia ? (`${s}:media` as PublicStream) : s);
  switch (path) {
    case "user":
      return "user";
    case "user/notification":
      return "user:notification";
    case "public":
      return media("public");
    case "public/local":
      return media("public:local");
    case "public/remote":
      return media("public:remote");
    case "hashtag":
      return "hashtag";
    case "hashtag/local":
      return "hashtag:local";
    case "list":
      return "list";
    case "direct":
      return "direct";
    default:
      return null;
  }
}

/**
 * What a connection remembers about itself. For WebSockets it lives in the socket's attachment
 * (kept by the runtime across hibernation, at most 16 KiB), never in instance fields only.
 */
export interface ListenerState {
  /** SHA-256 (base64url) of the bearer token: revoking the token closes the connection. */
  tokenHash: string;
  accountId: string;
  /** Where the client connected: payloads are rendered with these URLs. */
  origin: string;
  domain: string;
  /** Scopes of the token, checked when a stream is added. */
  scopes: string[];
  subscriptions: Subscription[];
}

/** A WebSocket or an SSE response, seen the same way by publishers. */
export interface Listener {
  readonly state: ListenerState;
  send(sub: Subscription, event: StreamEventName, payload: string | undefined): void;
}
