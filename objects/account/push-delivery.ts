import { buildPushRequest, fitJsonPayload, isVapidSubject, type ContentEncoding } from "../../lib/push";
import { fetchPolicy, safeFetch } from "../../lib/federation/safe-fetch";
import { htmlToText } from "../../lib/federation/sanitize";
import { endpointProblem } from "../../schemas/push";
import type { AccountSnapshot, StatusRecord } from "../../schemas/records";
import type { Origin } from "../../core/serializers/account";
import { numericNotificationId, pushNotificationPayload } from "../../core/serializers/push";
import { instanceSettings } from "../../core/instance-settings";
import { requireInstanceOrigin } from "../federation/instance-origin";
import { accountJobs } from "./jobs";
import type { AccountHost } from "./host";
import { activeFilters, applyFilters } from "./filters";
import { parseStatusSnapshot } from "./status-memo";
import { instancePushKeys, unsealToken } from "./push-keys";
import { deleteSubscriptionById, PUSH_JOB, pushAllowed, subscriptionById, toPushRecord, type PushSubscriptionRow } from "./push-subscriptions";

/**
 * Sends one notification to one push subscription (the `push.deliver` job, queued by
 * push-subscriptions.ts when the notification was stored). It re-checks what may have changed
 * since (the subscription, its alerts and policy, the token, blocks, mutes, notification
 * filters), builds Mastodon's payload, encrypts it for the subscriber (`aes128gcm` when the
 * subscription is `standard`, else the legacy `aesgcm`), signs VAPID and POSTs it.
 *
 * Answers, as Mastodon's Web::PushNotificationWorker reads them: 2xx delivered; 408, 429, 5xx
 * and network failures throw, so the outbox retries with its backoff (1 s, 5 s, 30 s, 2 min,
 * 10 min, then hourly); any other 4xx (404 and 410 above all: the user unsubscribed) ends the
 * subscription. A message is given up once it is older than its TTL: the push service would
 * drop it by then anyway.
 */
export const PUSH_TTL_SECONDS = 48 * 60 * 60;
export const PUSH_TIMEOUT_MS = 10_000;

interface PushJob {
  subscription: number;
  notification: string;
}

type NotificationRow = {
  id: string;
  type: string;
  from_account_id: string;
  from_snapshot: string;
  status_snapshot: string | null;
  created_at: string;
};

accountJobs.register(PUSH_JOB, (host, job: PushJob) => deliverPush(host, job));

export async function deliverPush(host: AccountHost, job: PushJob): Promise<void> {
  const sql = host.sql;
  const sub = subscriptionById(sql, job.subscription);
  if (!sub) return;
  const n = sql.exec<NotificationRow>("SELECT * FROM notifications WHERE id = ?", job.notification).toArray()[0];
  if (!n || Date.now() - Date.parse(n.created_at) > PUSH_TTL_SECONDS * 1000) return;
  if (!sql.exec("SELECT 1 FROM tokens WHERE hash = ?", sub.token_hash).toArray().length) return deleteSubscriptionById(sql, sub.id);
  if (!pushAllowed(sql, toPushRecord(sub), n.type, n.from_account_id)) return;
  const status = n.status_snapshot ? parseStatusSnapshot(n.status_snapshot) : null;
  if (hidden(sql, n, status)) return;

  const policy = fetchPolicy(host.env);
  if (endpointProblem(sub.endpoint, policy)) return deleteSubscriptionById(sql, sub.id);
  const keys = await instancePushKeys(host.env);
  const accessToken = await unsealToken(keys, sub.sealed_token, sub.token_hash);
  if (accessToken === null) return deleteSubscriptionById(sql, sub.id);
  const o = await requireInstanceOrigin(host.env);
  const encoding: ContentEncoding = sub.standard === 1 ? "aes128gcm" : "aesgcm";
  const payload = await payloadJson(host, n, status, accessToken, encoding, o);
  if (payload === null) return;

  const request = await buildPushRequest({
    endpoint: sub.endpoint,
    keys: { p256dh: sub.p256dh, auth: sub.auth },
    encoding,
    payload,
    vapid: keys.vapid,
    subject: vapidSubject(host.env, o),
    ttl: PUSH_TTL_SECONDS,
    urgency: "normal",
    // A retried message replaces a copy of itself still waiting at the push service.
    topic: n.id,
    allowInsecureEndpoint: policy.allowPrivate,
  });
  if (!request.ok) {
    console.error(`push: cannot build the message for subscription ${sub.id}: ${request.error}`);
    if (request.code === "invalid_p256dh" || request.code === "invalid_auth" || request.code === "invalid_endpoint") deleteSubscriptionById(sql, sub.id);
    return;
  }
  const { url, headers, body } = request.value;
  // Network failures and timeouts throw FetchRefused: the outbox retries.
  const response = await safeFetch(url, { method: "POST", headers, body, readBody: false }, { ...policy, timeoutMs: PUSH_TIMEOUT_MS, maxRedirects: 0 });
  settle(sql, sub, response.status);
}

function settle(sql: SqlStorage, sub: PushSubscriptionRow, status: number): void {
  if (status >= 200 && status < 300) return;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    deleteSubscriptionById(sql, sub.id);
    return;
  }
  throw new Error(`push service answered ${status}`);
}

/** Hidden as the notifications API hides it: blocks either way, muted actor or conversation, a `hide` filter. */
function hidden(sql: SqlStorage, n: NotificationRow, status: StatusRecord | null): boolean {
  const from = n.from_account_id;
  const now = new Date().toISOString();
  const blockedOrMuted = sql
    .exec(
      `SELECT 1 FROM blocks WHERE account_id = ?1 UNION ALL SELECT 1 FROM blocked_by WHERE account_id = ?1
       UNION ALL SELECT 1 FROM mutes WHERE account_id = ?1 AND notifications = 1 AND (expires_at IS NULL OR expires_at > ?2)`,
      from,
      now,
    )
    .toArray();
  if (blockedOrMuted.length) return true;
  if (!status) return false;
  if (sql.exec("SELECT 1 FROM muted_conversations WHERE conversation_id = ?", status.conversation_id).toArray().length) return true;
  return applyFilters(activeFilters(sql, "notifications"), [status], (s) => s).kept.length === 0;
}

/** The JSON payload within the 4096-byte body limit (the body shortened if needed), or null if it cannot fit. */
async function payloadJson(
  host: AccountHost,
  n: NotificationRow,
  status: StatusRecord | null,
  accessToken: string,
  encoding: ContentEncoding,
  o: Origin,
): Promise<string | null> {
  const from = JSON.parse(n.from_snapshot) as AccountSnapshot;
  const proper = status?.reblog ?? status;
  const bodySource = proper ? proper.spoiler_text.trim() || (await htmlToText(proper.content)) : from.note;
  const payload = pushNotificationPayload(
    { accessToken, locale: host.record()?.language || "en", notificationId: n.id, type: n.type, from, bodySource },
    o,
  );
  const fitted = fitJsonPayload(payload, "body", encoding);
  if (!fitted.ok) {
    console.error(`push: notification ${n.id} does not fit a push message: ${fitted.error}`);
    return null;
  }
  return numericNotificationId(fitted.value, n.id);
}

/** RFC 8292 `sub`: the instance's contact address, else its URL (https even on a local http origin). */
export function vapidSubject(env: Env, o: Origin): string {
  const email = instanceSettings(env).contactEmail;
  if (email && isVapidSubject(`mailto:${email}`)) return `mailto:${email}`;
  return o.origin.startsWith("https://") ? o.origin : `https://${o.domain}`;
}
