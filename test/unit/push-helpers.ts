import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { api, bearer, jsonBody } from "./helpers";
import type { PushSubscriber } from "./push-service";
import type { AccountObject } from "../../objects/account/account-object";

/** Helpers of the Web Push tests (push-api.test.ts, push-delivery.test.ts). */

export const PUSH_PATH = "/api/v1/push/subscription";

export const ALL_ALERTS = {
  mention: true,
  status: true,
  reblog: true,
  follow: true,
  follow_request: true,
  favourite: true,
  poll: true,
  update: true,
  quote: true,
  quoted_update: true,
  "admin.sign_up": true,
  "admin.report": true,
};

export interface Answer {
  status: number;
  body: any;
}

export async function pushCall(method: string, token: string, body?: unknown): Promise<Answer> {
  const res = await api(PUSH_PATH, body === undefined ? { method, headers: bearer(token) } : jsonBody(method, body, token));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A form-encoded request (`subscription[keys][p256dh]=...`), as Tusky, Mammoth and the official apps send it. */
export async function pushForm(method: string, token: string, form: string): Promise<Answer> {
  const res = await api(PUSH_PATH, { method, headers: bearer(token, { "content-type": "application/x-www-form-urlencoded" }), body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Subscribes `token` to `subscriber`'s endpoint (JSON body); asserts a 200. */
export async function subscribe(
  token: string,
  subscriber: Pick<PushSubscriber, "endpoint" | "p256dh" | "auth">,
  options: { standard?: boolean; alerts?: Record<string, boolean>; policy?: string } = {},
): Promise<any> {
  const res = await pushCall("POST", token, {
    subscription: { endpoint: subscriber.endpoint, keys: { p256dh: subscriber.p256dh, auth: subscriber.auth }, standard: options.standard ?? true },
    data: { alerts: options.alerts ?? ALL_ALERTS, ...(options.policy ? { policy: options.policy } : {}) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** The stored push subscriptions of an account. */
export function storedSubscriptions(accountId: string): Promise<{ id: number; endpoint: string; p256dh: string; auth: string; standard: number; policy: string }[]> {
  const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(accountId));
  return runInDurableObject(stub, (o: AccountObject) =>
    o.sql.exec<{ id: number; endpoint: string; p256dh: string; auth: string; standard: number; policy: string }>(
      "SELECT id, endpoint, p256dh, auth, standard, policy FROM push_subscriptions ORDER BY id",
    ).toArray(),
  );
}

/** Standard base64 with `+/` and `=` padding, as tooot sends keys. */
export function toStandardBase64(base64url: string): string {
  const standard = base64url.replace(/-/g, "+").replace(/_/g, "/");
  return standard + "=".repeat((4 - (standard.length % 4)) % 4);
}
