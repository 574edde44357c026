import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { selectIn } from "../account/viewer";
import type { StatusRecord } from "../../schemas/records";
import { compareIds } from "../../lib/ids";

/**
 * One reply thread (`threadStub(env, conversationId)`): the root and every reply, as
 * StatusRecord snapshots, so that `/context` is one call here plus one to the viewer's object
 * (which filters by visibility). Replies counts are the rows' children; favourite and boost
 * counts are pushed by the authors' objects when they change. Every write is idempotent.
 */
const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE statuses (
      id TEXT PRIMARY KEY,
      in_reply_to_id TEXT,
      snapshot TEXT NOT NULL
    )`);
    sql.exec("CREATE INDEX statuses_parent ON statuses (in_reply_to_id)");
  },
  // Authors a moderator suspended: their statuses stay in the tree but are not shown.
  (sql) => sql.exec("CREATE TABLE suspended_authors (author_id TEXT PRIMARY KEY)"),
];

export interface ContextLimits {
  ancestors: number;
  descendants: number;
  depth: number;
}

export interface ThreadContext {
  ancestors: StatusRecord[];
  descendants: StatusRecord[];
}

export class ThreadObject extends DurableObject<Env> {
  readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Adds a reply under its parent (the parent's snapshot is refreshed or added too). */
  async link(parent: StatusRecord, reply: StatusRecord): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.upsert(parent);
      this.upsert(reply);
    });
  }

  /** Replaces the snapshot of a status that is in this thread (edits); ignores others. */
  async update(record: StatusRecord): Promise<void> {
    this.sql.exec("UPDATE statuses SET snapshot = ? WHERE id = ?", JSON.stringify(record), record.id);
  }

  async setCounts(id: string, counts: { reblogs_count: number; favourites_count: number }): Promise<void> {
    this.sql.exec(
      "UPDATE statuses SET snapshot = json_set(snapshot, '$.reblogs_count', ?, '$.favourites_count', ?) WHERE id = ?",
      counts.reblogs_count,
      counts.favourites_count,
      id,
    );
  }

  /** A deleted status leaves the thread; its replies stay (their ancestors end there). */
  async unlink(id: string): Promise<void> {
    this.sql.exec("DELETE FROM statuses WHERE id = ?", id);
  }

  /** A moderator suspended (or unsuspended) an author who posted in this thread. */
  async suspendAuthor(authorId: string, suspended: boolean): Promise<void> {
    if (suspended) this.sql.exec("INSERT OR IGNORE INTO suspended_authors (author_id) VALUES (?)", authorId);
    else this.sql.exec("DELETE FROM suspended_authors WHERE author_id = ?", authorId);
  }

  /** Ancestors (root first) and descendants (depth-first, oldest branch first) of a status. */
  async context(id: string, limits: ContextLimits): Promise<ThreadContext> {
    const edges = this.sql.exec<{ id: string; in_reply_to_id: string | null }>("SELECT id, in_reply_to_id FROM statuses").toArray();
    const parentOf = new Map(edges.map((e) => [e.id, e.in_reply_to_id]));
    const children = new Map<string, string[]>();
    for (const e of edges) {
      if (e.in_reply_to_id === null) continue;
      const list = children.get(e.in_reply_to_id) ?? [];
      list.push(e.id);
      children.set(e.in_reply_to_id, list);
    }
    for (const list of children.values()) list.sort(compareIds);

    const ancestorIds: string[] = [];
    const seen = new Set([id]);
    for (let cur = parentOf.get(id) ?? null; cur && parentOf.has(cur) && !seen.has(cur) && ancestorIds.length < limits.ancestors; cur = parentOf.get(cur) ?? null) {
      seen.add(cur);
      ancestorIds.unshift(cur);
    }

    const descendantIds: string[] = [];
    const walk = (node: string, depth: number) => {
      for (const child of children.get(node) ?? []) {
        if (descendantIds.length >= limits.descendants || seen.has(child)) return;
        seen.add(child);
        descendantIds.push(child);
        if (depth < limits.depth) walk(child, depth + 1);
      }
    };
    walk(id, 1);

    const records = this.records([...ancestorIds, ...descendantIds], children);
    const pick = (ids: string[]) => ids.map((i) => records.get(i)).filter((r): r is StatusRecord => r !== undefined);
    return { ancestors: pick(ancestorIds), descendants: pick(descendantIds) };
  }

  private records(ids: string[], children: Map<string, string[]>): Map<string, StatusRecord> {
    const rows = selectIn<{ id: string; snapshot: string }>(
      this.sql,
      (p) => `SELECT id, snapshot FROM statuses WHERE id IN (${p})
              AND json_extract(snapshot, '$.account.id') NOT IN (SELECT author_id FROM suspended_authors)`,
      ids,
    );
    return new Map(
      rows.map((r) => {
        const record = JSON.parse(r.snapshot) as StatusRecord;
        return [r.id, { ...record, replies_count: children.get(r.id)?.length ?? 0 }];
      }),
    );
  }

  private upsert(record: StatusRecord): void {
    this.sql.exec(
      `INSERT INTO statuses (id, in_reply_to_id, snapshot) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET snapshot = excluded.snapshot`,
      record.id,
      record.in_reply_to_id,
      JSON.stringify(record),
    );
  }
}
