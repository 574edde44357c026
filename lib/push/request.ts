import { encryptPayload } from "./encrypt";
import { isContentEncoding, type ContentEncoding } from "./payload-size";
import { failWith, succeed, type PushResult } from "./result";
import { importSubscriptionKeys, type SubscriptionKeyStrings } from "./subscription-keys";
import type { VapidKeys } from "./vapid-keys";
import { createVapidToken, vapidAuthorizationHeaders } from "./vapid-token";

/** RFC 8030 §5.3: how hard the push service should try to wake the device. */
export type Urgency = "very-low" | "low" | "normal" | "high";
const URGENCIES: readonly string[] = ["very-low", "low", "normal", "high"];

export interface PushRequestInput {
  /** The subscription's endpoint (https; http only with `allowInsecureEndpoint`). */
  endpoint: string;
  keys: SubscriptionKeyStrings;
  encoding: ContentEncoding;
  payload: Uint8Array | string;
  vapid: VapidKeys;
  /** VAPID `sub`: `mailto:admin@example.com` or an https URL. */
  subject: string;
  /** Seconds the push service may hold the message (RFC 8030 §5.2). */
  ttl: number;
  urgency?: Urgency;
  /** Replaces a pending message with the same topic: at most 32 base64url characters. */
  topic?: string;
  /** Milliseconds since the epoch for the token's `exp`; defaults to now. */
  now?: number;
  /** Test and local use only: accept an `http:` endpoint. */
  allowInsecureEndpoint?: boolean;
}

/** What to hand to `fetch(url, {method, headers, body})`. */
export interface PushRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: Uint8Array;
}

const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

function checkEndpoint(endpoint: string, allowInsecure: boolean): PushResult<URL> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return failWith("invalid_endpoint", "push endpoint is not a URL");
  }
  const secure = url.protocol === "https:";
  if (!secure && !(allowInsecure && url.protocol === "http:")) return failWith("invalid_endpoint", "push endpoint must be https");
  return succeed(url);
}

function checkDeliveryOptions(input: PushRequestInput): PushResult<true> {
  if (!isContentEncoding(input.encoding)) return failWith("invalid_encoding", "encoding must be aes128gcm or aesgcm");
  if (!Number.isSafeInteger(input.ttl) || input.ttl < 0) return failWith("invalid_ttl", "TTL must be a whole number of seconds, 0 or more");
  if (input.urgency !== undefined && !URGENCIES.includes(input.urgency)) {
    return failWith("invalid_urgency", "urgency must be very-low, low, normal or high");
  }
  if (input.topic !== undefined && !TOPIC.test(input.topic)) {
    return failWith("invalid_topic", "topic must be 1 to 32 base64url characters");
  }
  return succeed(true);
}

/** Joins `Crypto-Key` parameters (`dh=…` and `p256ecdsa=…`) with `;`. */
function mergeHeaders(...sets: Record<string, string>[]): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const set of sets) {
    for (const [name, value] of Object.entries(set)) {
      merged[name] = name === "Crypto-Key" && merged[name] ? `${merged[name]};${value}` : value;
    }
  }
  return merged;
}

/**
 * Builds the complete Web Push request for one message: validates everything, encrypts the payload
 * for the subscriber and signs a VAPID token for the endpoint's origin.
 */
export async function buildPushRequest(input: PushRequestInput): Promise<PushResult<PushRequest>> {
  const url = checkEndpoint(input.endpoint, input.allowInsecureEndpoint === true);
  if (!url.ok) return url;
  const options = checkDeliveryOptions(input);
  if (!options.ok) return options;
  const keys = await importSubscriptionKeys(input.keys);
  if (!keys.ok) return keys;
  const token = await createVapidToken(input.vapid, { endpoint: input.endpoint, subject: input.subject, now: input.now });
  if (!token.ok) return token;
  const encrypted = await encryptPayload(input.encoding, input.payload, keys.value);
  if (!encrypted.ok) return encrypted;
  const delivery: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    TTL: String(input.ttl),
    Urgency: input.urgency ?? "normal",
  };
  if (input.topic !== undefined) delivery.Topic = input.topic;
  const headers = mergeHeaders(delivery, encrypted.value.headers, vapidAuthorizationHeaders(input.encoding, token.value, input.vapid.publicKey));
  return succeed({ url: url.value.href, method: "POST", headers, body: encrypted.value.body });
}
