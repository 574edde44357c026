import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { dispatchActivity, type DispatchOutcome, type InboxActivity } from "./handlers/registry";
// One handler per activity type (objects/federation/handlers/*.ts) registers on import.
import "./handlers/index";

/**
 * The durable hand-off of verified inbound activities (design invariant 5). The Worker stores
 * the raw activity here and answers 202; an alarm then dispatches it. Sharded by activity id, so
 * a replay always lands in the shard that already knows it: the first copy is kept, every later
 * copy changes nothing. Processed ids are remembered for a week; handlers are idempotent beyond.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE activities (
      id TEXT PRIMARY KEY,
      actor TEXT NOT NULL,
      type TEXT NOT NULL,
      recipient TEXT,
      origin TEXT NOT NULL,
      body TEXT,
      state TEXT NOT NULL DEFAULT 'pending',
      outcome TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_at INTEGER NOT NULL,
      received_at INTEGER NOT NULL,
      finished_at INTEGER,
      last_error TEXT
    )`);
    sql.exec("CREATE INDEX activities_due ON activities (state, next_at)");
    sql.exec("CREATE INDEX activities_finished ON activities (finished_at)");
  },
];

const BATCH = 25;
const MAX_BATCHES_PER_ALARM = 40;
/** The alarm behind a Create processed at once: it only matters if that processing is cut short. */
const CREATE_FALLBACK_MS = 10_000;
/** Processed entries older than PROCESSED_MEMORY_MS are purged at most this often per instance. */
const PURGE_EVERY_MS = 60_000;
/** Waits after a handler failure; after the last one the activity is marked failed. */
const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 6 * 3_600_000];
export const PROCESSED_MEMORY_MS = 7 * 24 * 3600 * 1000;

export interface InboundDelivery {
  id: string;
  actor: string;
  type: string;
  recipient: string | null;
  origin: string;
  /** The activity JSON as received (digest-checked). */
  body: string;
}

export interface InboxEntryState {
  state: "pending" | "done" | "failed";
  outcome: DispatchOutcome | null;
  attempts: number;
  lastError: string | null;
}

export class InboxObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Tests move this object's clock forward; always 0 in production. */
  clockOffsetMs = 0;
  private purgedAt = 0;
  /** The running pass over due activities (the alarm and accepted Creates share it). */
  private draining: Promise<void> | null = null;

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

  /** Stores the activity unless its id is known; `duplicate` says which happened. */
  async accept(d: InboundDelivery): Promise<{ duplicate: boolean }> {
    const now = this.now();
    const cursor = this.sql.exec(
      `INSERT INTO activities (id, actor, type, recipient, origin, body, next_at, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      d.id,
      d.actor,
      d.type,
      d.recipient,
      d.origin,
      d.body,
      now,
      now,
    );
    if (cursor.rowsWritten === 0) return { duplicate: true };
    if (d.type !== "Create") {
      // A running pass looks for due activities again before it stops: no storage call then.
      if (!this.draining) await this.scheduleAt(now);
      return { duplicate: false };
    }
    // Creates, the bulk of the traffic, are processed as soon as they are stored (the answer
    // waits for the write, not for the processing): no alarm round trip per activity. The
    // alarm stays the durable fallback if that processing is cut short.
    await this.scheduleAt(now + CREATE_FALLBACK_MS);
    void this.drain().catch((err) => console.warn("inbox drain", err instanceof Error ? err.message : err));
    return { duplicate: false };
  }

  /** Where an activity is in its processing (tests, admin). */
  async entry(id: string): Promise<InboxEntryState | null> {
    const row = this.sql
      .exec<{ state: string; outcome: string | null; attempts: number; last_error: string | null }>(
        "SELECT state, outcome, attempts, last_error FROM activities WHERE id = ?",
        id,
      )
      .toArray()[0];
    return row
      ? { state: row.state as InboxEntryState["state"], outcome: row.outcome as DispatchOutcome | null, attempts: row.attempts, lastError: row.last_error }
      : null;
  }

  override async alarm(): Promise<void> {
    await this.drain();
  }

  /** Processes due activities until none is left (one pass at a time), then arms the next retry. */
  private drain(): Promise<void> {
    this.draining ??= this.drainAll();
    return this.draining;
  }

  private async drainAll(): Promise<void> {
    try {
      await this.processDue();
    } finally {
      // Cleared with no await after the last look at the table: a later accept starts a new pass.
      this.draining = null;
    }
    const next = this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM activities WHERE state = 'pending'").one().at;
    if (next !== null) await this.scheduleAt(next);
  }

  /** Activities accepted meanwhile are taken in the same pass (one alarm for a burst, not one each). */
  private async processDue(): Promise<void> {
    const now = this.now();
    if (now - this.purgedAt >= PURGE_EVERY_MS) {
      this.purgedAt = now;
      this.sql.exec("DELETE FROM activities WHERE state != 'pending' AND finished_at < ?", now - PROCESSED_MEMORY_MS);
    }
    for (let run = 0; run < MAX_BATCHES_PER_ALARM; run++) {
      const due = this.sql
        .exec<{ id: string; actor: string; recipient: string | null; origin: string; body: string; attempts: number; received_at: number }>(
          `SELECT id, actor, recipient, origin, body, attempts, received_at FROM activities
           WHERE state = 'pending' AND next_at <= ? ORDER BY received_at, id LIMIT ?`,
          this.now(),
          BATCH,
        )
        .toArray();
      if (due.length === 0) return;
      for (const row of due) await this.process(row);
    }
  }

  private async process(row: { id: string; actor: string; recipient: string | null; origin: string; body: string; attempts: number; received_at: number }) {
    try {
      const activity = JSON.parse(row.body) as InboxActivity;
      const outcome = await dispatchActivity({
        env: this.env,
        origin: row.origin,
        activity,
        actor: row.actor,
        recipient: row.recipient,
        receivedAt: row.received_at,
      });
      this.sql.exec(
        "UPDATE activities SET state = 'done', outcome = ?, body = NULL, finished_at = ?, attempts = attempts + 1 WHERE id = ?",
        outcome,
        this.now(),
        row.id,
      );
    } catch (err) {
      const message = String(err instanceof Error ? err.message : err).slice(0, 500);
      const attempts = row.attempts + 1;
      if (attempts > RETRY_DELAYS_MS.length) {
        this.sql.exec(
          "UPDATE activities SET state = 'failed', attempts = ?, last_error = ?, finished_at = ? WHERE id = ?",
          attempts,
          message,
          this.now(),
          row.id,
        );
      } else {
        this.sql.exec(
          "UPDATE activities SET attempts = ?, last_error = ?, next_at = ? WHERE id = ?",
          attempts,
          message,
          this.now() + RETRY_DELAYS_MS[attempts - 1],
          row.id,
        );
      }
    }
  }

  /** Sets the alarm for a time on this object's clock (earlier alarms win). */
  private async scheduleAt(at: number): Promise<void> {
    const real = Math.max(Date.now(), at - this.clockOffsetMs);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > real) await this.ctx.storage.setAlarm(real);
  }
}
