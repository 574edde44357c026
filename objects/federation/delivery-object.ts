import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, ok, type Result } from "../../lib/result";
import { digestHeader } from "../../lib/federation/digest";
import { isDomainRefused } from "../../core/domain-policy";
import { assertFetchable, fetchPolicy, FetchRefused, MAX_BODY_BYTES, safeFetch } from "../../lib/federation/safe-fetch";
import {
  BREAKER_THRESHOLD,
  breakerPauseMs,
  classifyDeliveryStatus,
  MAX_DELIVERY_RETRIES,
  retryDelaySeconds,
  type DeliveryOutcome,
} from "../../lib/federation/retry-schedule";
import type { OutgoingSignatureInput } from "../../lib/federation/http-signatures-cavage";
import { accountStub, deliveryStub, instanceActorStub } from "../../core/stubs";

/**
 * Outbound delivery, one object per destination host (`idFromName("host:" + host)`): a SQLite
 * queue of (inbox, activity JSON, signer) sent by alarm, signed by the signer's own object.
 * - Mastodon's retry schedule (lib/federation/retry-schedule.ts); 4xx other than 401/408/429 is
 *   final; given up after 16 retries or when older than MAX_QUEUE_AGE_MS.
 * - A circuit breaker: after BREAKER_THRESHOLD consecutive failures the host is paused; when the
 *   pause ends (at most a minute) a single probe goes out, the oldest row whatever its own
 *   backoff; its failure doubles the pause (up to the cap), its success resumes the queue and
 *   makes every waiting row due at once: their failures were the host being down.
 * - Nothing lost on restart (rows are durable; an in-flight row is leased for LEASE_MS, not
 *   removed, and an alarm is set for the lease's end, so a send cut short by a crash is retried
 *   about a minute later); a row
 *   is deleted right after its 2xx, and (activity id, inbox) pairs delivered in the last week are
 *   remembered, so a repeated enqueue of a delivered activity is ignored.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE host (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      host TEXT NOT NULL,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      failed_probes INTEGER NOT NULL DEFAULT 0,
      paused_until INTEGER,
      delivered_count INTEGER NOT NULL DEFAULT 0,
      dropped_count INTEGER NOT NULL DEFAULT 0
    )`);
    sql.exec(`CREATE TABLE queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      inbox TEXT NOT NULL,
      activity_id TEXT,
      body TEXT NOT NULL,
      key_id TEXT NOT NULL,
      signer TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      last_status INTEGER,
      last_error TEXT
    )`);
    sql.exec("CREATE UNIQUE INDEX queue_once ON queue (activity_id, inbox) WHERE activity_id IS NOT NULL");
    sql.exec("CREATE INDEX queue_due ON queue (next_at, id)");
    sql.exec(`CREATE TABLE delivered (
      activity_id TEXT NOT NULL,
      inbox TEXT NOT NULL,
      at INTEGER NOT NULL,
      PRIMARY KEY (activity_id, inbox)
    )`);
    sql.exec("CREATE INDEX delivered_at ON delivered (at)");
  },
];

/** `signerAccountId` value meaning "sign as the instance actor" (reports, relays). */
export const INSTANCE_ACTOR_SIGNER = "instance";
export const MAX_QUEUE_AGE_MS = 3 * 24 * 3600 * 1000;
const DELIVERED_MEMORY_MS = 7 * 24 * 3600 * 1000;
/**
 * A row being sent is pushed this far into the future first: a crash mid-send retries it then.
 * Longer than a send can take (signing, then DELIVERY_TIMEOUT_MS), and alarms never overlap.
 */
export const LEASE_MS = 60 * 1000;
const BATCH = 40;
/** Workers allow 6 simultaneous outgoing connections per invocation; signing RPCs count too. */
const PARALLEL = 4;
const DELIVERY_TIMEOUT_MS = 15_000;

export interface DeliveryRequest {
  inbox: string;
  /** The activity to POST; serialized once, at enqueue. */
  activity: Record<string, unknown>;
  /** Local account whose key signs the POST, or INSTANCE_ACTOR_SIGNER. */
  signerAccountId: string;
}

export interface QueuedDelivery {
  inbox: string;
  activityId: string | null;
  attempts: number;
  nextAt: number;
  lastStatus: number | null;
  lastError: string | null;
}

export interface DeliveryStatus {
  host: string | null;
  queued: QueuedDelivery[];
  consecutiveFailures: number;
  pausedUntil: number | null;
  delivered: number;
  dropped: number;
}

type QueueRow = {
  id: number;
  inbox: string;
  activity_id: string | null;
  body: string;
  key_id: string;
  signer: string;
  attempts: number;
  next_at: number;
  created_at: number;
};

type HostRow = {
  host: string;
  consecutive_failures: number;
  failed_probes: number;
  paused_until: number | null;
};

export class DeliveryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Tests move this object's clock forward; always 0 in production. */
  clockOffsetMs = 0;
  /** Rows taken in the current alarm run (a run sends at most BATCH, then yields). */
  private sentThisRun = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  async enqueue(req: DeliveryRequest): Promise<Result<{ queued: boolean }>> {
    let inbox: URL;
    try {
      inbox = new URL(req.inbox);
      assertFetchable(inbox, fetchPolicy(this.env));
    } catch (err) {
      return fail(422, err instanceof FetchRefused ? err.message : "Invalid inbox URL");
    }
    const host = this.hostRow()?.host ?? inbox.host;
    if (inbox.host !== host) return fail(422, `Inbox ${inbox.host} does not belong to this queue (${host})`);
    const actor = req.activity.actor;
    if (typeof actor !== "string") return fail(422, "The activity needs an actor URI");
    const keyId = req.signerAccountId === INSTANCE_ACTOR_SIGNER ? `${new URL(actor).origin}/actor#main-key` : `${actor}#main-key`;
    const body = JSON.stringify(req.activity);
    if (new TextEncoder().encode(body).byteLength > MAX_BODY_BYTES) return fail(413, "Activity too large");
    const activityId = typeof req.activity.id === "string" ? req.activity.id : null;
    const now = this.now();
    let queued = false;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR IGNORE INTO host (id, host) VALUES (1, ?)", host);
      if (activityId && this.sql.exec("SELECT 1 FROM delivered WHERE activity_id = ? AND inbox = ?", activityId, inbox.href).toArray().length) return;
      const cursor = this.sql.exec(
        `INSERT INTO queue (inbox, activity_id, body, key_id, signer, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        inbox.href,
        activityId,
        body,
        keyId,
        req.signerAccountId,
        now,
        now,
      );
      queued = cursor.rowsWritten > 0;
    });
    if (queued) await this.scheduleAt(Math.max(now, this.hostRow()?.paused_until ?? 0));
    return ok({ queued });
  }

  async status(): Promise<DeliveryStatus> {
    const host = this.sql.exec<HostRow & { delivered_count: number; dropped_count: number }>("SELECT * FROM host").toArray()[0];
    const queued = this.sql
      .exec<{ inbox: string; activity_id: string | null; attempts: number; next_at: number; last_status: number | null; last_error: string | null }>(
        "SELECT inbox, activity_id, attempts, next_at, last_status, last_error FROM queue ORDER BY next_at, id LIMIT 100",
      )
      .toArray()
      .map((r) => ({ inbox: r.inbox, activityId: r.activity_id, attempts: r.attempts, nextAt: r.next_at, lastStatus: r.last_status, lastError: r.last_error }));
    return {
      host: host?.host ?? null,
      queued,
      consecutiveFailures: host?.consecutive_failures ?? 0,
      pausedUntil: host?.paused_until ?? null,
      delivered: host?.delivered_count ?? 0,
      dropped: host?.dropped_count ?? 0,
    };
  }

  override async alarm(): Promise<void> {
    const now = this.now();
    this.sentThisRun = 0;
    this.sql.exec("DELETE FROM delivered WHERE at < ?", now - DELIVERED_MEMORY_MS);
    this.dropExpired(now);
    const host = this.hostRow();
    if (!host) return;
    if (host.paused_until !== null && host.paused_until > now) {
      await this.scheduleAt(host.paused_until);
      return;
    }
    if (host.consecutive_failures >= BREAKER_THRESHOLD) {
      // Half-open: one probe (the oldest row, even one still backing off) decides whether the host is back.
      const [probe] = this.due(Number.MAX_SAFE_INTEGER, 1);
      if (probe) await this.guardLeases();
      if (probe && (await this.send(probe, true)) !== "delivered") {
        await this.scheduleNext();
        return;
      }
    }
    for (;;) {
      const batch = this.due(this.now(), PARALLEL);
      if (batch.length === 0) break;
      await this.guardLeases();
      await Promise.all(batch.map((row) => this.send(row, false)));
      if ((this.hostRow()?.consecutive_failures ?? 0) >= BREAKER_THRESHOLD) break;
      if (this.sentThisRun >= BATCH) break;
    }
    await this.scheduleNext();
  }

  /** Due rows, leased: their next_at moves forward until the attempt's result is written. */
  private due(dueBy: number, limit: number): QueueRow[] {
    const rows = this.sql
      .exec<QueueRow>(
        "SELECT id, inbox, activity_id, body, key_id, signer, attempts, next_at, created_at FROM queue WHERE next_at <= ? ORDER BY next_at, id LIMIT ?",
        dueBy,
        limit,
      )
      .toArray();
    const leaseEnd = this.now() + LEASE_MS;
    for (const r of rows) this.sql.exec("UPDATE queue SET next_at = ? WHERE id = ?", leaseEnd, r.id);
    this.sentThisRun += rows.length;
    return rows;
  }

  /** An alarm by the end of the leases just taken, in case this process dies while sending. */
  private async guardLeases(): Promise<void> {
    await this.scheduleAt(this.now() + LEASE_MS);
  }

  private async send(row: QueueRow, probe: boolean): Promise<DeliveryOutcome> {
    let status: number | null = null;
    let error: string | null = null;
    let outcome: DeliveryOutcome;
    try {
      // A domain suspended (or no longer allowed) since the activity was queued gets nothing.
      if (await isDomainRefused(this.env, row.inbox)) {
        this.record(row, "final", null, "the domain is refused", probe);
        return "final";
      }
      const body = new TextEncoder().encode(row.body);
      const headers = await this.sign(row, await digestHeader(body));
      if (!headers.ok) {
        outcome = headers.status === 404 || headers.status === 403 ? "final" : "retry";
        error = `signing failed: ${headers.error}`;
      } else {
        const response = await safeFetch(
          row.inbox,
          { method: "POST", headers: headers.value, body, readBody: false },
          { ...fetchPolicy(this.env), timeoutMs: DELIVERY_TIMEOUT_MS, maxRedirects: 0 },
        );
        status = response.status;
        outcome = classifyDeliveryStatus(status);
        if (outcome !== "delivered") error = `HTTP ${status}`;
      }
    } catch (err) {
      outcome = "retry";
      error = err instanceof Error ? err.message : String(err);
    }
    this.record(row, outcome, status, error, probe);
    return outcome;
  }

  private async sign(row: QueueRow, digest: string): Promise<Result<Record<string, string>>> {
    const input: OutgoingSignatureInput = { method: "POST", url: row.inbox, keyId: row.key_id, digest };
    if (row.signer === INSTANCE_ACTOR_SIGNER) return instanceActorStub(this.env).signRequest(input);
    return accountStub(this.env, row.signer).signRequest(input);
  }

  private record(row: QueueRow, outcome: DeliveryOutcome, status: number | null, error: string | null, probe: boolean): void {
    const now = this.now();
    this.ctx.storage.transactionSync(() => {
      if (outcome === "delivered") {
        this.sql.exec("DELETE FROM queue WHERE id = ?", row.id);
        // A successful probe: the host is back, and every row waiting out its backoff goes now.
        if (probe) this.sql.exec("UPDATE queue SET next_at = ? WHERE next_at > ?", now, now + LEASE_MS);
        if (row.activity_id) {
          this.sql.exec("INSERT OR REPLACE INTO delivered (activity_id, inbox, at) VALUES (?, ?, ?)", row.activity_id, row.inbox, now);
        }
        this.sql.exec(
          "UPDATE host SET consecutive_failures = 0, failed_probes = 0, paused_until = NULL, delivered_count = delivered_count + 1",
        );
        return;
      }
      if (outcome === "final") {
        // The host answered: it is up, so the breaker resets, but this activity will never go.
        this.sql.exec("DELETE FROM queue WHERE id = ?", row.id);
        this.sql.exec("UPDATE host SET consecutive_failures = 0, failed_probes = 0, paused_until = NULL, dropped_count = dropped_count + 1");
        return;
      }
      const attempts = row.attempts + 1;
      if (probe && row.next_at > now) {
        // Probed ahead of its own schedule: the host's failure, not this row's; its budget is untouched.
        this.sql.exec("UPDATE queue SET next_at = ?, last_status = ?, last_error = ? WHERE id = ?", row.next_at, status, error?.slice(0, 500) ?? null, row.id);
      } else if (attempts > MAX_DELIVERY_RETRIES || now - row.created_at > MAX_QUEUE_AGE_MS) {
        this.sql.exec("DELETE FROM queue WHERE id = ?", row.id);
        this.sql.exec("UPDATE host SET dropped_count = dropped_count + 1");
      } else {
        this.sql.exec(
          "UPDATE queue SET attempts = ?, next_at = ?, last_status = ?, last_error = ? WHERE id = ?",
          attempts,
          now + retryDelaySeconds(attempts - 1) * 1000,
          status,
          error?.slice(0, 500) ?? null,
          row.id,
        );
      }
      const host = this.hostRow()!;
      const failures = host.consecutive_failures + 1;
      if (probe) {
        const failedProbes = host.failed_probes + 1;
        this.sql.exec(
          "UPDATE host SET consecutive_failures = ?, failed_probes = ?, paused_until = ?",
          failures,
          failedProbes,
          now + breakerPauseMs(failedProbes),
        );
      } else if (failures >= BREAKER_THRESHOLD && host.consecutive_failures < BREAKER_THRESHOLD) {
        this.sql.exec("UPDATE host SET consecutive_failures = ?, paused_until = ?", failures, now + breakerPauseMs(0));
      } else {
        this.sql.exec("UPDATE host SET consecutive_failures = ?", failures);
      }
    });
  }

  private dropExpired(now: number): void {
    const cursor = this.sql.exec("DELETE FROM queue WHERE created_at < ?", now - MAX_QUEUE_AGE_MS);
    if (cursor.rowsWritten > 0) this.sql.exec("UPDATE host SET dropped_count = dropped_count + ?", cursor.rowsWritten);
  }

  private hostRow(): HostRow | undefined {
    return this.sql.exec<HostRow>("SELECT host, consecutive_failures, failed_probes, paused_until FROM host").toArray()[0];
  }

  private async scheduleNext(): Promise<void> {
    const host = this.hostRow();
    const next = this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM queue").one().at;
    if (next === null) return;
    const paused = host?.paused_until ?? null;
    // An open breaker probes when its pause ends, however long the rows' own backoff.
    if (paused !== null && (host?.consecutive_failures ?? 0) >= BREAKER_THRESHOLD) await this.scheduleAt(paused, true);
    else await this.scheduleAt(paused !== null && paused > next ? paused : next, true);
  }

  /** Sets the alarm for a time on this object's clock; `replace` moves a later or earlier one. */
  private async scheduleAt(at: number, replace = false): Promise<void> {
    const real = Math.max(Date.now(), at - this.clockOffsetMs);
    const current = await this.ctx.storage.getAlarm();
    if (replace || current === null || current > real) await this.ctx.storage.setAlarm(real);
  }
}

/** Queues one activity for one inbox (its host's queue). */
export async function enqueueDelivery(env: Env, req: DeliveryRequest): Promise<Result<{ queued: boolean }>> {
  let host: string;
  try {
    host = new URL(req.inbox).host;
  } catch {
    return fail(422, "Invalid inbox URL");
  }
  if (await isDomainRefused(env, host)) return fail(403, "Deliveries to this domain are refused");
  return deliveryStub(env, host).enqueue(req);
}

/** Where an actor wants deliveries: its shared inbox when it has one (one POST per server). */
export interface DeliveryTarget {
  inbox: string;
  sharedInbox: string | null;
}

/**
 * Delivers an activity to remote actors, grouped by shared inbox: each distinct inbox gets one
 * queued POST, in its host's queue. Returns the inboxes queued (already-delivered ones skipped).
 */
export async function deliverToActors(
  env: Env,
  input: { activity: Record<string, unknown>; signerAccountId: string; recipients: DeliveryTarget[] },
): Promise<string[]> {
  const inboxes = [...new Set(input.recipients.map((r) => r.sharedInbox ?? r.inbox))];
  const results = await Promise.all(
    inboxes.map(async (inbox) => ({ inbox, result: await enqueueDelivery(env, { inbox, activity: input.activity, signerAccountId: input.signerAccountId }) })),
  );
  return results.filter((r) => r.result.ok && r.result.value.queued).map((r) => r.inbox);
}
