/**
 * A durable outbox for side effects that cross objects (fan-out, notifications, counters):
 * a job is written in the same transaction as the change that causes it, and an alarm runs it
 * until it succeeds. The API call returns before the jobs run; a restart loses nothing.
 *
 * Handlers are registered once per job kind (duplicates are refused) and must be idempotent:
 * a job can run twice if the object dies between doing the work and deleting the row.
 */
export type JobHandler<Host> = (host: Host, payload: any) => Promise<void>;

export const OUTBOX_TABLE_SQL = `CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
)`;

/** Retry delays after a failed attempt; after the last one the job waits at the last delay. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000];
const BATCH = 50;

export class JobRegistry<Host> {
  private readonly handlers = new Map<string, JobHandler<Host>>();

  register(kind: string, handler: JobHandler<Host>): this {
    if (this.handlers.has(kind)) throw new Error(`duplicate job handler for ${kind}`);
    this.handlers.set(kind, handler);
    return this;
  }

  get(kind: string): JobHandler<Host> | undefined {
    return this.handlers.get(kind);
  }
}

export class Outbox<Host> {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly registry: JobRegistry<Host>,
  ) {}

  /** Queues a job; call inside the transaction that makes the change. Schedules the alarm. */
  enqueue(kind: string, payload: unknown, at = Date.now()): void {
    this.storage.sql.exec("INSERT INTO outbox (kind, payload, next_at) VALUES (?, ?, ?)", kind, JSON.stringify(payload), at);
  }

  /** Runs due jobs (a batch at a time); returns when the next one is due, or null. */
  async runDue(host: Host): Promise<number | null> {
    const sql = this.storage.sql;
    const due = sql
      .exec<{ id: number; kind: string; payload: string; attempts: number }>(
        "SELECT id, kind, payload, attempts FROM outbox WHERE next_at <= ? ORDER BY id LIMIT ?",
        Date.now(),
        BATCH,
      )
      .toArray();
    for (const job of due) {
      try {
        const handler = this.registry.get(job.kind);
        if (!handler) throw new Error(`no job handler for ${job.kind}`);
        await handler(host, JSON.parse(job.payload));
        sql.exec("DELETE FROM outbox WHERE id = ?", job.id);
      } catch (err) {
        const delay = RETRY_DELAYS_MS[Math.min(job.attempts, RETRY_DELAYS_MS.length - 1)];
        sql.exec(
          "UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
          Date.now() + delay,
          String(err instanceof Error ? err.message : err).slice(0, 500),
          job.id,
        );
      }
    }
    return this.nextDueAt();
  }

  nextDueAt(): number | null {
    const row = this.storage.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM outbox").one();
    return row.at;
  }

  pending(): number {
    return this.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }
}

/** Sets the object's single alarm to the earliest of the given times (ignoring nulls). */
export async function scheduleAlarm(storage: DurableObjectStorage, ...times: (number | null)[]): Promise<void> {
  const wanted = times.filter((t): t is number => t !== null);
  if (wanted.length === 0) return;
  const next = Math.min(...wanted);
  const current = await storage.getAlarm();
  if (current === null || current > next) await storage.setAlarm(next);
}
