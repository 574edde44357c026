import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { JobRegistry, Outbox, OUTBOX_TABLE_SQL, scheduleAlarm } from "../outbox";
import { hasMedia, type SnapshotEntry, type StatusRecord } from "../../schemas/records";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import { accountStub } from "../../core/stubs";
import { publishPublic, STREAM_WATCHERS_SQL, unwatchStream, watchStream } from "../streams/public-streams";
import * as catalog from "./catalog";
import * as linkTrends from "./link-trends";

/**
 * An instance-wide timeline: `idFromName("public")` (public statuses, local and remote) or
 * `idFromName("tag:<name>")` (public statuses with that hashtag). Authors' objects push
 * statuses here during fan-out; reads return candidate StatusRecords that the viewer's object
 * then filters. Only the newest MAX_ENTRIES are kept, so a read never slows down as the
 * timeline grows. A hashtag timeline also knows the local accounts following the tag and
 * fans new statuses out to their home timelines (a durable job).
 */
export const MAX_ENTRIES = 10_000;
const TRIM_EVERY = 100;
const FANOUT_PAGE = 200;
const FANOUT_PARALLEL = 50;

const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    // `tags` is " a b c " so that all[]/none[] match with instr(); `local` and `has_media`
    // serve the local/remote/only_media variants through their own indexes.
    sql.exec(`CREATE TABLE entries (
      id TEXT PRIMARY KEY,
      author_id TEXT NOT NULL,
      local INTEGER NOT NULL,
      has_media INTEGER NOT NULL,
      tags TEXT NOT NULL,
      snapshot TEXT NOT NULL
    )`);
    sql.exec("CREATE INDEX entries_order ON entries (CAST(id AS INTEGER))");
    sql.exec("CREATE INDEX entries_local_order ON entries (local, CAST(id AS INTEGER))");
    sql.exec("CREATE INDEX entries_media_order ON entries (CAST(id AS INTEGER)) WHERE has_media = 1");
    sql.exec("CREATE INDEX entries_author ON entries (author_id)");
    sql.exec("CREATE TABLE tag_followers (account_id TEXT PRIMARY KEY)");
    sql.exec(OUTBOX_TABLE_SQL);
  },
  // Accounts with an open stream on this timeline (objects/streams/public-streams.ts).
  (sql) => sql.exec(STREAM_WATCHERS_SQL),
  // Search index, hashtag registry and trend counts (./catalog.ts; used by the public timeline only).
  catalog.catalogSchema,
  // Links shared in public statuses: trending links and the link timeline (./link-trends.ts).
  linkTrends.linkTrendsSchema,
  // Authors moderators suspended (not shown) or silenced (shown to their followers only): the
  // entries stay, so that lifting it restores them.
  (sql) => sql.exec("CREATE TABLE hidden_authors (author_id TEXT PRIMARY KEY, suspended INTEGER NOT NULL)"),
];

const NOT_SUSPENDED = "author_id NOT IN (SELECT author_id FROM hidden_authors WHERE suspended = 1)";

/** What moderators did to an author, as the instance's timelines apply it. */
export type AuthorState = "suspended" | "silenced" | null;

export interface TimelineQuery extends IdWindow {
  local?: boolean;
  remote?: boolean;
  onlyMedia?: boolean;
  /** Hashtag timelines: every one of these tags too / none of these tags. */
  all?: string[];
  none?: string[];
}

interface TagFanout {
  status: StatusRecord;
  after: string | null;
}

const timelineJobs = new JobRegistry<TimelineObject>().register("tag.fanout", (host, job: TagFanout) => host.fanOutToTagFollowers(job));

export class TimelineObject extends DurableObject<Env> {
  readonly sql: SqlStorage;
  private readonly outbox: Outbox<TimelineObject>;
  private insertsSinceTrim = 0;
  /** The instance-wide "public" timeline also keeps the catalog of public statuses (./catalog.ts). */
  private readonly isPublic: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.outbox = new Outbox(ctx.storage, timelineJobs);
    this.isPublic = ctx.id.name === "public";
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Adds a status (idempotent). On a hashtag timeline, queues delivery to the tag's followers. */
  async add(status: StatusRecord): Promise<void> {
    const fresh = this.ctx.storage.transactionSync(() => {
      const before = this.sql.exec("SELECT 1 FROM entries WHERE id = ?", status.id).toArray().length;
      if (before) return false;
      this.sql.exec(
        "INSERT INTO entries (id, author_id, local, has_media, tags, snapshot) VALUES (?, ?, ?, ?, ?, ?)",
        status.id,
        status.account.id,
        status.account.domain === null ? 1 : 0,
        hasMedia(status) ? 1 : 0,
        tagString(status.tags),
        JSON.stringify(status),
      );
      if (this.isPublic) catalog.catalogStatus(this.sql, status);
      if (!this.isHidden(status.account.id)) publishPublic(this.sql, this.env, { event: "update", status });
      const followers = this.sql.exec("SELECT 1 FROM tag_followers LIMIT 1").toArray().length > 0;
      if (followers) this.outbox.enqueue("tag.fanout", { status, after: null } satisfies TagFanout);
      return followers;
    });
    if (fresh) await this.wake();
    if (++this.insertsSinceTrim >= TRIM_EVERY) this.trim();
  }

  /** `add` for several statuses in one call (a remote author's fan-out drain): a JSON `StatusRecord[]`. */
  async addMany(statuses: string): Promise<void> {
    for (const status of JSON.parse(statuses) as StatusRecord[]) await this.add(status);
  }

  /** Replaces an edited status (`quiet`: only its preview card changed, not streamed); returns the tags it had, or null if it was not here. */
  async update(status: StatusRecord, quiet = false): Promise<string[] | null> {
    if (this.isPublic) catalog.catalogStatus(this.sql, status);
    const previous = this.tagsOf(status.id);
    if (previous === null) return null;
    this.sql.exec(
      "UPDATE entries SET has_media = ?, tags = ?, snapshot = ? WHERE id = ?",
      hasMedia(status) ? 1 : 0,
      tagString(status.tags),
      JSON.stringify(status),
      status.id,
    );
    if (!quiet) publishPublic(this.sql, this.env, { event: "status.update", status });
    return previous;
  }

  /** Removes a status; returns the tags it had, or null if it was not here. */
  async remove(id: string): Promise<string[] | null> {
    if (this.isPublic) catalog.uncatalogStatus(this.sql, id);
    const previous = this.tagsOf(id);
    if (previous !== null) publishPublic(this.sql, this.env, { event: "delete", id });
    if (previous !== null) this.sql.exec("DELETE FROM entries WHERE id = ?", id);
    return previous;
  }

  /** Candidate statuses for a page, newest first (the viewer's object filters them). */
  async page(q: TimelineQuery): Promise<StatusRecord[]> {
    return (await this.pageSnapshots(q)).map((r) => JSON.parse(r.snapshot) as StatusRecord);
  }

  /** A page as stored snapshots, newest first: readers render them without a parse here. */
  async pageSnapshots(q: TimelineQuery): Promise<SnapshotEntry[]> {
    const w = windowSql("id", q, true);
    const conditions = [NOT_SUSPENDED, ...w.conditions];
    const params = [...w.params];
    if (q.local && !q.remote) conditions.push("local = 1");
    if (q.remote && !q.local) conditions.push("local = 0");
    if (q.onlyMedia) conditions.push("has_media = 1");
    for (const tag of q.all ?? []) {
      conditions.push("instr(tags, ?) > 0");
      params.push(` ${tag.toLowerCase()} `);
    }
    for (const tag of q.none ?? []) {
      conditions.push("instr(tags, ?) = 0");
      params.push(` ${tag.toLowerCase()} `);
    }
    const rows = this.sql
      .exec<SnapshotEntry>(`SELECT id, snapshot FROM entries ${whereClause(conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...params, q.limit)
      .toArray();
    return this.markLimited(newestFirst(rows, w.ascending));
  }

  /** Silenced authors' statuses say so (`account.limited`): the viewer's object shows them to followers only. */
  private markLimited(entries: SnapshotEntry[]): SnapshotEntry[] {
    const silenced = new Set(this.sql.exec<{ author_id: string }>("SELECT author_id FROM hidden_authors WHERE suspended = 0").toArray().map((r) => r.author_id));
    if (silenced.size === 0) return entries;
    return entries.map((e) => {
      const s = JSON.parse(e.snapshot) as StatusRecord;
      return silenced.has(s.account.id) ? { id: e.id, snapshot: JSON.stringify({ ...s, account: { ...s.account, limited: true } }) } : e;
    });
  }

  /** A moderator suspended or silenced an author (or undid it): its entries are hidden, limited or shown again. */
  async moderateAuthor(authorId: string, state: AuthorState): Promise<void> {
    if (state) this.sql.exec("INSERT OR REPLACE INTO hidden_authors (author_id, suspended) VALUES (?, ?)", authorId, state === "suspended" ? 1 : 0);
    else this.sql.exec("DELETE FROM hidden_authors WHERE author_id = ?", authorId);
  }

  private isHidden(authorId: string): boolean {
    return this.sql.exec("SELECT 1 FROM hidden_authors WHERE author_id = ?", authorId).toArray().length > 0;
  }

  async count(): Promise<number> {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM entries").one().n;
  }

  // ----- catalog of public statuses: search, hashtags, trends (public timeline; ./catalog.ts) -----

  /** A public status that is not listed here (a reply to someone else): searchable, counted in tag uses. */
  async catalog(status: StatusRecord): Promise<void> {
    catalog.catalogStatus(this.sql, status);
    if (++this.insertsSinceTrim >= TRIM_EVERY) this.trim();
  }
  /** Public statuses (merged with the searcher's own matches) and hashtags for one search. */
  async searchCatalog(input: catalog.CatalogSearch): Promise<catalog.CatalogResult> {
    return catalog.searchCatalog(this.sql, input);
  }
  async tagStats(names: string[]): Promise<catalog.TagStats[]> {
    const usage = catalog.tagUsage(this.sql, names);
    return names.map((name) => ({ name, usage: usage.get(name) ?? [] }));
  }
  async trendingTags(limit: number, offset: number): Promise<catalog.TagStats[]> {
    return catalog.trendingTags(this.sql, limit, offset);
  }
  async trendingStatuses(limit: number, offset: number): Promise<StatusRecord[]> {
    return catalog.trendingStatuses(this.sql, limit, offset);
  }
  /** Live counts of one of the listed statuses, from its author's object (trending statuses). */
  async trendingLinks(limit: number, offset: number): Promise<linkTrends.LinkTrend[]> {
    return linkTrends.trendingLinks(this.sql, limit, offset);
  }

  /** Null when `url` is not a trending link (the link timeline then answers 404). */
  async linkTimeline(url: string, page: IdWindow & { local?: boolean; remote?: boolean }): Promise<SnapshotEntry[] | null> {
    return linkTrends.isTrendingLink(this.sql, url) ? linkTrends.linkStatuses(this.sql, url, page) : null;
  }

  async noteCounts(counts: catalog.StatusCounts): Promise<void> {
    catalog.noteCounts(this.sql, counts);
  }
  /** An account turned `indexable` off: its public statuses leave search. */
  async forgetSearchAuthor(accountId: string): Promise<void> {
    catalog.forgetAuthor(this.sql, accountId);
  }

  // ----- streaming: accounts listening to this timeline's streams -----

  async watchStream(accountId: string, key: string): Promise<void> {
    watchStream(this.sql, accountId, key);
  }

  async unwatchStream(accountId: string, key: string): Promise<void> {
    unwatchStream(this.sql, accountId, key);
  }

  // ----- followed hashtags -----

  async addFollower(accountId: string): Promise<void> {
    this.sql.exec("INSERT OR IGNORE INTO tag_followers (account_id) VALUES (?)", accountId);
  }

  async removeFollower(accountId: string): Promise<void> {
    this.sql.exec("DELETE FROM tag_followers WHERE account_id = ?", accountId);
  }

  /** One page of the tag's followers per job run; the next page is a new job. */
  async fanOutToTagFollowers(job: TagFanout): Promise<void> {
    const followers = this.sql
      .exec<{ account_id: string }>(
        "SELECT account_id FROM tag_followers WHERE account_id > ? AND account_id != ? ORDER BY account_id LIMIT ?",
        job.after ?? "",
        job.status.account.id,
        FANOUT_PAGE,
      )
      .toArray()
      .map((r) => r.account_id);
    for (let i = 0; i < followers.length; i += FANOUT_PARALLEL) {
      const batch = followers.slice(i, i + FANOUT_PARALLEL);
      const results = await Promise.allSettled(batch.map((id) => accountStub(this.env, id).receiveStatus(job.status, "tag")));
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
    if (followers.length === FANOUT_PAGE) {
      this.outbox.enqueue("tag.fanout", { status: job.status, after: followers[followers.length - 1] } satisfies TagFanout);
    }
  }

  override async alarm(): Promise<void> {
    const next = await this.outbox.runDue(this);
    await scheduleAlarm(this.ctx.storage, next);
  }

  // ----- internals -----

  private async wake(): Promise<void> {
    await scheduleAlarm(this.ctx.storage, this.outbox.nextDueAt());
  }

  private tagsOf(id: string): string[] | null {
    const row = this.sql.exec<{ tags: string }>("SELECT tags FROM entries WHERE id = ?", id).toArray()[0];
    return row ? row.tags.trim().split(" ").filter(Boolean) : null;
  }

  /** Drops everything older than the newest MAX_ENTRIES. */
  private trim(): void {
    this.insertsSinceTrim = 0;
    if (this.isPublic) catalog.trimSearchDocs(this.sql);
    this.sql.exec(
      `DELETE FROM entries WHERE CAST(id AS INTEGER) <=
         (SELECT CAST(id AS INTEGER) FROM entries ORDER BY CAST(id AS INTEGER) DESC LIMIT 1 OFFSET ?)`,
      MAX_ENTRIES,
    );
  }
}

function tagString(tags: string[]): string {
  return ` ${tags.map((t) => t.toLowerCase()).join(" ")} `;
}
