import { z } from "zod";
import { boolish } from "./coerce";
import { fieldErrors, validationFailed, type FieldErrors } from "./accounts";
import { normalizeSubscriptionKeys } from "../lib/push";
import { assertFetchable, FetchRefused, type FetchPolicy } from "../lib/federation/safe-fetch";

/**
 * Web Push subscriptions (`/api/v1/push/subscription`): the request bodies, as JSON or as
 * Rails-style form fields (`subscription[keys][p256dh]`, `data[alerts][mention]`), and the
 * record the account object keeps. One subscription per access token.
 */

/**
 * The alerts a subscription may ask for: every notification type Mastodon pushes. Types this
 * server never produces yet (the admin ones) are still accepted and shown, as apps send them.
 */
export const PUSH_ALERT_TYPES = [
  "mention",
  "status",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "poll",
  "update",
  "quote",
  "quoted_update",
  "admin.sign_up",
  "admin.report",
] as const;
export type PushAlertType = (typeof PUSH_ALERT_TYPES)[number];
export type PushAlerts = Record<PushAlertType, boolean>;

/** Whose notifications are pushed: everyone's, accounts I follow, my followers, nobody's. */
export const PUSH_POLICIES = ["all", "followed", "follower", "none"] as const;
export type PushPolicy = (typeof PUSH_POLICIES)[number];

/** A checked subscription: the endpoint as given, the keys in unpadded base64url. */
export interface NewPushSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
  /** RFC 8291 `aes128gcm` when true, the legacy `aesgcm` draft (Mastodon's default) otherwise. */
  standard: boolean;
  alerts: PushAlerts;
  policy: PushPolicy;
}

/** A PUT: only what it names changes. */
export interface PushDataChange {
  alerts?: Partial<PushAlerts>;
  policy?: PushPolicy;
}

/** What the account object returns; the Worker adds `server_key`. */
export interface PushSubscriptionRecord {
  /** A number, as Mastodon sends it (its database id). */
  id: number;
  endpoint: string;
  standard: boolean;
  alerts: PushAlerts;
  policy: PushPolicy;
}

export const ENDPOINT_MAX = 4096;

export function noAlerts(): PushAlerts {
  return Object.fromEntries(PUSH_ALERT_TYPES.map((t) => [t, false])) as PushAlerts;
}

/** Blank and null read as absent, as Rails' params do. */
const blankAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
const flag = z.preprocess(blankAsUndefined, boolish.optional());
const text = z.preprocess(blankAsUndefined, z.string({ error: "must be a string" }).optional());

const alertsSchema = z.object(Object.fromEntries(PUSH_ALERT_TYPES.map((t) => [t, flag])) as Record<PushAlertType, typeof flag>, {
  error: "must be a hash of alert types",
});

const policySchema = z.preprocess(
  blankAsUndefined,
  z.enum(PUSH_POLICIES, { error: "is not included in the list (all, followed, follower, none)" }).optional(),
);

const dataSchema = z
  .preprocess(blankAsUndefined, z.object({ alerts: z.preprocess(blankAsUndefined, alertsSchema.optional()), policy: policySchema }).optional())
  .transform((d) => d ?? {});

const createSchema = z.object({
  subscription: z.preprocess(
    blankAsUndefined,
    z.object(
      {
        endpoint: text,
        keys: z.preprocess(blankAsUndefined, z.object({ p256dh: text, auth: text }, { error: "must be a hash" }).optional()),
        standard: flag,
      },
      { error: (issue) => (issue.input === undefined ? "can't be blank" : "must be a hash") },
    ),
  ),
  data: dataSchema,
});

const updateSchema = z.object({ data: dataSchema });

/** Only the alerts a client named: `{mention: true}` stays `{mention: true}`. */
function namedAlerts(alerts: Partial<Record<PushAlertType, boolean | undefined>> | undefined): Partial<PushAlerts> | undefined {
  if (!alerts) return undefined;
  const named = Object.entries(alerts).filter(([, v]) => v !== undefined);
  return Object.fromEntries(named) as Partial<PushAlerts>;
}

function parseWith<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw validationFailed(fieldErrors(result.error));
  return result.data;
}

/**
 * Why an endpoint cannot be a push endpoint, or null: a URL, https (http only where the test
 * switch allows private addresses), not a private, loopback or link-local host (the rules every
 * outgoing request of ours follows, `assertFetchable`).
 */
export function endpointProblem(endpoint: string, policy: FetchPolicy): string | null {
  if (endpoint.length > ENDPOINT_MAX) return `is too long (maximum is ${ENDPOINT_MAX} characters)`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "is not a valid URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  try {
    assertFetchable(url, policy);
  } catch (err) {
    if (url.protocol !== "https:" && !policy.allowPrivate) return "must be an https URL";
    return err instanceof FetchRefused ? "is not a public address" : "is not a valid URL";
  }
  return null;
}

/**
 * A key as sent. Base64 has no spaces: a space, even first or last, is a `+` that form decoding
 * turned into one (a client that did not percent-encode it), so it goes back before trimming.
 */
function keyText(value: string | undefined): string | undefined {
  return value?.replace(/ /g, "+").trim();
}

/**
 * A new subscription from `POST /api/v1/push/subscription`: endpoint and both keys required;
 * `p256dh` must be a point on P-256 and `auth` 16 bytes, in base64url or standard base64 (a `+`
 * turned into a space by form decoding is read back as `+`). Alerts not named are off, the
 * policy is `all` and `standard` false unless given, as in Mastodon. Throws the 422.
 */
export async function parseNewPushSubscription(params: unknown, policy: FetchPolicy): Promise<NewPushSubscription> {
  const input = parseWith(createSchema, params);
  const details: FieldErrors = {};
  const add = (field: string, code: string, description: string) => (details[field] ??= []).push({ error: code, description });
  const endpoint = input.subscription.endpoint?.trim();
  if (!endpoint) add("endpoint", "ERR_BLANK", "can't be blank");
  else {
    const problem = endpointProblem(endpoint, policy);
    if (problem) add("endpoint", "ERR_INVALID", problem);
  }
  const p256dh = keyText(input.subscription.keys?.p256dh);
  const auth = keyText(input.subscription.keys?.auth);
  if (!p256dh) add("key_p256dh", "ERR_BLANK", "can't be blank");
  if (!auth) add("key_auth", "ERR_BLANK", "can't be blank");
  let keys: { p256dh: string; auth: string } | null = null;
  if (p256dh && auth) {
    const normalized = await normalizeSubscriptionKeys({ p256dh, auth });
    if (normalized.ok) keys = normalized.value;
    else if (normalized.code === "invalid_auth") add("key_auth", "ERR_INVALID", "is invalid (16 bytes in base64 or base64url)");
    else add("key_p256dh", "ERR_INVALID", "is invalid (an uncompressed P-256 point in base64 or base64url)");
  }
  if (Object.keys(details).length > 0 || !keys || !endpoint) throw validationFailed(details);
  return {
    endpoint,
    p256dh: keys.p256dh,
    auth: keys.auth,
    standard: input.subscription.standard ?? false,
    alerts: { ...noAlerts(), ...namedAlerts(input.data.alerts) },
    policy: input.data.policy ?? "all",
  };
}

/** `PUT /api/v1/push/subscription`: the alerts and policy it names. Throws the 422. */
export function parsePushDataChange(params: unknown): PushDataChange {
  const input = parseWith(updateSchema, params);
  const change: PushDataChange = {};
  const alerts = namedAlerts(input.data.alerts);
  if (alerts && Object.keys(alerts).length) change.alerts = alerts;
  if (input.data.policy) change.policy = input.data.policy;
  return change;
}
