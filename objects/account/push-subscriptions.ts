import { fail, ok, type Result } from "../../lib/result";
import { sha256Base64url } from "../../lib/crypto";
import {
  noAlerts,
  PUSH_ALERT_TYPES,
  type NewPushSubscription,
  type PushAlerts,
  type PushDataChange,
  type PushPolicy,
  type PushSubscriptionRecord,
} from "../../schemas/push";
import type { AccountHost } from "./host";
import type { AddedNotification } from "./notifications";
import { instancePushKeys, sealToken } from "./push-keys";

/**
 * Web Push subscriptions of this account: one per access token, keyed by the token's hash (the
 * `tokens` table's `hash`), so a second POST with the same token replaces it and revoking the
 * token removes it. Delivery is in push-delivery.ts: each stored notification that a
 * subscription's alerts and policy let through becomes one durable `push.deliver` job, queued
 * in the transaction that stores the notification.
 */

export const PUSH_SUBSCRIPTIONS_TABLE_SQL = `CREATE TABLE push_subscriptions (
  token_hash TEXT PRIMARY KEY,
  id INTEGER NOT NULL UNIQUE,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL,
  auth TEXT NOT NULL,
  standard INTEGER NOT NULL DEFAULT 0,
  alerts TEXT NOT NULL,
  policy TEXT NOT NULL DEFAULT 'all',
  sealed_token TEXT NOT NULL,
  created_at INTEGER NOT NULL
)`;

export const PUSH_JOB = "push.deliver";

export type PushSubscriptionRow = {
  token_hash: string;
  id: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  standard: number;
  alerts: string;
  policy: string;
  sealed_token: string;
  created_at: number;
};

export type PushOp = { op: "get" } | { op: "create"; input: NewPushSubscription } | { op: "update"; change: PushDataChange } | { op: "delete" };

export interface PushOpResults {
  get: PushSubscriptionRecord;
  create: PushSubscriptionRecord;
  update: PushSubscriptionRecord;
  delete: Record<string, never>;
}

const NOT_FOUND = "Record not found";

export function toPushRecord(row: PushSubscriptionRow): PushSubscriptionRecord {
  const stored = JSON.parse(row.alerts) as Partial<PushAlerts>;
  const alerts = noAlerts();
  for (const type of PUSH_ALERT_TYPES) alerts[type] = stored[type] === true;
  return { id: row.id, endpoint: row.endpoint, standard: row.standard === 1, alerts, policy: row.policy as PushPolicy };
}

/** Mastodon's ids are numbers: milliseconds and 10 random bits stay below 2^53 until the year 2248. */
function newSubscriptionId(): number {
  return Date.now() * 1024 + (crypto.getRandomValues(new Uint16Array(1))[0] & 1023);
}

function rowOf(sql: SqlStorage, tokenHash: string): PushSubscriptionRow | undefined {
  return sql.exec<PushSubscriptionRow>("SELECT * FROM push_subscriptions WHERE token_hash = ?", tokenHash).toArray()[0];
}

export function subscriptionById(sql: SqlStorage, id: number): PushSubscriptionRow | undefined {
  return sql.exec<PushSubscriptionRow>("SELECT * FROM push_subscriptions WHERE id = ?", id).toArray()[0];
}

export function deleteSubscriptionById(sql: SqlStorage, id: number): void {
  sql.exec("DELETE FROM push_subscriptions WHERE id = ?", id);
}

/** Revocation: the token's subscription goes with it. */
export function deleteSubscriptionOfToken(sql: SqlStorage, tokenHash: string): void {
  sql.exec("DELETE FROM push_subscriptions WHERE token_hash = ?", tokenHash);
}

/** The `pushSubscription(token, op)` RPC, after the token and its `push` scope were checked. */
export async function runPushOp(host: AccountHost, token: string, op: PushOp): Promise<Result<PushOpResults[PushOp["op"]]>> {
  const sql = host.sql;
  const tokenHash = await sha256Base64url(token);
  switch (op.op) {
    case "get": {
      const row = rowOf(sql, tokenHash);
      return row ? ok(toPushRecord(row)) : fail(404, NOT_FOUND);
    }
    case "create": {
      const sealed = await sealToken(await instancePushKeys(host.env), token, tokenHash);
      const input = op.input;
      const row = host.storage.transactionSync(() => {
        sql.exec(
          `INSERT OR REPLACE INTO push_subscriptions (token_hash, id, endpoint, p256dh, auth, standard, alerts, policy, sealed_token, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          tokenHash,
          newSubscriptionId(),
          input.endpoint,
          input.p256dh,
          input.auth,
          input.standard ? 1 : 0,
          JSON.stringify(input.alerts),
          input.policy,
          sealed,
          Date.now(),
        );
        return rowOf(sql, tokenHash)!;
      });
      return ok(toPushRecord(row));
    }
    case "update": {
      const row = host.storage.transactionSync(() => {
        const current = rowOf(sql, tokenHash);
        if (!current) return undefined;
        const alerts = { ...toPushRecord(current).alerts, ...op.change.alerts };
        sql.exec(
          "UPDATE push_subscriptions SET alerts = ?, policy = ? WHERE token_hash = ?",
          JSON.stringify(alerts),
          op.change.policy ?? current.policy,
          tokenHash,
        );
        return rowOf(sql, tokenHash);
      });
      return row ? ok(toPushRecord(row)) : fail(404, NOT_FOUND);
    }
    case "delete":
      deleteSubscriptionOfToken(sql, tokenHash);
      return ok({});
  }
}

// ----- which notifications a subscription lets through -----

/** What the queueing decision needs of each subscription, kept in memory between writes. */
interface Gate {
  id: number;
  alerts: PushAlerts;
  policy: PushPolicy;
}

const gates = new WeakMap<SqlStorage, Gate[]>();

/** Forget the kept subscriptions: any write to the table, a rollback, erasure. */
export function forgetPushGates(sql: SqlStorage): void {
  gates.delete(sql);
}

function gatesOf(sql: SqlStorage): Gate[] {
  let kept = gates.get(sql);
  if (!kept) {
    kept = sql
      .exec<PushSubscriptionRow>("SELECT * FROM push_subscriptions")
      .toArray()
      .map((row) => {
        const r = toPushRecord(row);
        return { id: r.id, alerts: r.alerts, policy: r.policy };
      });
    gates.set(sql, kept);
  }
  return kept;
}

/**
 * Mastodon's `pushable?`: the alert for the type is on, and the policy admits the actor —
 * `followed`: accounts this account follows; `follower`: accounts that follow it; `none`: nobody.
 */
export function pushAllowed(sql: SqlStorage, gate: { alerts: PushAlerts; policy: PushPolicy }, type: string, fromId: string): boolean {
  if (!(gate.alerts as Record<string, boolean>)[type]) return false;
  switch (gate.policy) {
    case "all":
      return true;
    case "none":
      return false;
    case "followed":
      return sql.exec("SELECT 1 FROM following WHERE account_id = ? AND state = 'accepted'", fromId).toArray().length > 0;
    case "follower":
      return sql.exec("SELECT 1 FROM followers WHERE account_id = ?", fromId).toArray().length > 0;
  }
}

const wakePending = new WeakSet<AccountHost>();

/**
 * Called for every stored notification (notifications.ts `onNotificationAdded`), inside its
 * transaction: one `push.deliver` job per subscription that lets it through. An account
 * without subscriptions pays nothing (the empty list is kept). The alarm is set once the
 * synchronous work is over, since not every path that notifies wakes the object.
 */
export function queuePushes(host: AccountHost, n: AddedNotification): void {
  const list = gatesOf(host.sql);
  if (list.length === 0) return;
  let queued = false;
  for (const gate of list) {
    if (!pushAllowed(host.sql, gate, n.type, n.fromId)) continue;
    host.enqueue(PUSH_JOB, { subscription: gate.id, notification: n.id });
    queued = true;
  }
  if (!queued || wakePending.has(host)) return;
  wakePending.add(host);
  queueMicrotask(() => {
    wakePending.delete(host);
    host.wake().catch((err) => console.error("push: could not set the alarm", err));
  });
}
