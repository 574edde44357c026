import { DurableObject } from "cloudflare:workers";
import { migrate } from "../migrations";
import { ACCOUNT_MIGRATIONS } from "./schema";
import { frozenAccountRecord, readAccountRow, toTokenRecord, type AccountRow, type TokenRow } from "./records";
import { watchRollbacks, watchTableWrites } from "../watched-storage";
import { FeedFactsMemo } from "./feed-facts";
import { ActivityTracker } from "./activity";
import { PageCache } from "./page-cache";
import type { RenderedPage } from "../../core/serializers/rendered";
import type { AccountRecord, AccountSnapshot, StatusRecord, TokenRecord } from "../../schemas/records";
import type { Interaction, InteractionOutcome, WatchedChange } from "../../schemas/calls";
import type { Viewer } from "../../schemas/auth";
import { fail, ok, type Result } from "../../lib/result";
import { sha256Base64url } from "../../lib/crypto";
import { hasScope } from "../../lib/scopes";
import { rateLimitFactor, RequestLimiter, type RateBucket } from "./rate-limits";
import { Outbox, scheduleAlarm } from "../outbox";
import { accountJobs } from "./jobs";
import "./job-handlers";
import { AccountStreams } from "../streams/account-streams";
import type { AccountHost } from "./host";
import { onNotificationAdded } from "./notifications";
import { LOGIN_DISABLED, loginDisabled } from "./moderation";
import { deleteSubscriptionOfToken, forgetPushGates, queuePushes } from "./push-subscriptions";

/**
 * The state every RPC of an account object starts from: storage and its watchers, the memos
 * they keep honest (account record, tokens, rendered pages, home-rule facts), token checks,
 * the job outbox and the streams. AccountObject adds the RPC surface on top.
 */
/** Tables written on every post, delivery and interaction that never shape the actor document. */
const FEED_TABLES = new Set([
  ...["home", "list_entries", "notifications", "conversations", "conversation_statuses", "markers", "outbox", "activity", "search_dirty", "search_mentions"],
  ...["statuses", "status_mentions", "status_tags", "status_edits", "status_replies", "federated_statuses", "sent_activities", "media", "idempotency_keys"],
  ...["favourites", "bookmarks", "own_votes", "favourited_by", "reblogged_by", "bookmarked_by", "poll_votes", "tokens", "sessions", "auth_codes"],
]);

export abstract class AccountState extends DurableObject<Env> implements AccountHost {
  readonly sql: SqlStorage;
  readonly outbox: Outbox<AccountHost>;
  /** Public (the base class keeps it protected) so feature modules can reach other objects. */
  declare readonly env: Env;
  /** Streaming connections (objects/streams/): hibernatable WebSockets and SSE responses. */
  readonly streams: AccountStreams;
  readonly feedFacts = new FeedFactsMemo();
  /** Rendered home and notification pages (page-cache.ts). */
  protected readonly pageCache = new PageCache();
  /** The AS2 actor document as served (peer-calls.ts federationActorJson), for one origin. */
  protected actorJson: { origin: string; json: string } | null = null;
  /** When this account was last active, marked once a day (activity.ts). */
  private readonly activity = new ActivityTracker();
  private readonly tokenMemo = new Map<string, { record: TokenRecord; hash: string }>();
  /** API rate limits of this account's tokens (rate-limits.ts). */
  readonly limiter: RequestLimiter;
  private knownId: string | undefined;
  /** The account record, read once and forgotten when `account`/`keys` change (see record()). */
  private recordMemo: Readonly<AccountRecord> | null | undefined;
  private readonly watchedStorage: DurableObjectStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = watchTableWrites(ctx.storage.sql, (table, adds) => this.tableWritten(table, adds));
    this.watchedStorage = watchRollbacks(ctx.storage, () => this.forgetMemos());
    this.outbox = new Outbox(ctx.storage, accountJobs);
    this.limiter = new RequestLimiter(ctx.storage.kv, rateLimitFactor(env.RATE_LIMIT_FACTOR));
    this.streams = new AccountStreams(ctx, this);
    onNotificationAdded(this.sql, (n) => queuePushes(this, n));
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, ACCOUNT_MIGRATIONS);
    });
  }

  /** Checks a bearer token and scope; the first step of every authenticated call. */
  abstract authorize(token: string, scope: string | null, bucket?: RateBucket | null): Promise<Result<Viewer>>;
  abstract statusesFor(ids: string[], viewerId: string | null): Promise<StatusRecord[]>;
  abstract receiveInteraction(interaction: Interaction, actor: AccountSnapshot): Promise<Result<InteractionOutcome>>;
  abstract receiveWatchedChange(change: WatchedChange): Promise<void>;
  abstract receiveQuote(quoting: StatusRecord): Promise<void>;
  abstract receiveUnquote(quotedId: string, quotingId: string): Promise<void>;

  enqueue(kind: string, payload: unknown, at = Date.now()): void {
    this.outbox.enqueue(kind, payload, at);
  }

  async wake(): Promise<void> {
    await scheduleAlarm(this.ctx.storage, this.outbox.nextDueAt());
  }

  override async alarm(): Promise<void> {
    const next = await this.outbox.runDue(this);
    await scheduleAlarm(this.ctx.storage, next);
  }

  accountId(): string {
    // An account's id never changes, so it is read once (hot: every delivery asks for it).
    return (this.knownId ??= this.sql.exec<{ id: string }>("SELECT id FROM account").one().id);
  }

  get storage(): DurableObjectStorage {
    return this.watchedStorage;
  }

  row(): AccountRow | undefined {
    return readAccountRow(this.sql);
  }

  /**
   * The public record, or null if no account lives here. Every authenticated call starts with
   * it, so it is memoised (frozen: callers must copy to change it); any statement writing
   * `account` or `keys`, a rolled-back transaction and erasure forget it.
   */
  record(): Readonly<AccountRecord> | null {
    if (this.recordMemo === undefined) {
      const row = this.row();
      this.recordMemo = row ? frozenAccountRecord(row) : null;
    }
    return this.recordMemo;
  }

  /**
   * Authenticates the caller's token for `scope`, counts the call against its rate limits
   * (`bucket` for posting and uploads; false when the request was already counted), then runs
   * `run` as that viewer. The result carries the caller's rate-limit standing.
   */
  protected async withViewer<T>(
    token: string,
    scope: string | null,
    run: (viewer: Viewer) => Result<T> | Promise<Result<T>>,
    bucket: RateBucket | null | false = null,
  ): Promise<Result<T>> {
    const v = await this.viewer(token, scope, bucket);
    if (!v.ok) return v;
    const result = await run(v.value);
    return v.rate ? { ...result, rate: v.rate } : result;
  }

  protected async viewer(token: string, scope: string | null, bucket: RateBucket | null | false = null): Promise<Result<Viewer>> {
    const account = this.record();
    const found = account ? await this.findToken(token) : null;
    if (!account || !found) return fail(401, "The access token is invalid");
    const record = found.record;
    if (scope && !hasScope(record.scopes, scope)) return fail(403, "This action is outside the authorized scopes");
    // Registered in approval mode: the token exists but works only once a moderator approves.
    if (!account.approved) return fail(403, "Your login is currently pending approval");
    if (loginDisabled(account)) return fail(403, LOGIN_DISABLED);
    const rate = bucket === false ? null : this.limiter.hit(found.hash, bucket);
    if (rate && !rate.ok) return rate;
    if (this.activity.note(this)) await this.wake();
    return rate ? { ...ok({ account, token: record }), rate: rate.rate } : ok({ account, token: record });
  }

  /** A rendered page kept until a write it depends on (page-cache.ts). */
  protected keptPage(key: string, build: () => { page: RenderedPage; statuses: StatusRecord[] }): RenderedPage {
    return this.pageCache.get(key, this.sql, build);
  }

  /** Revokes a token of `clientId`: forgets it, deletes it and its push subscription, closes the streams it opened. */
  protected async revokeOwnToken(token: string, clientId: string): Promise<void> {
    const hash = await sha256Base64url(token);
    this.tokenMemo.delete(token);
    this.storage.transactionSync(() => {
      if (this.sql.exec("DELETE FROM tokens WHERE hash = ? AND client_id = ?", hash, clientId).rowsWritten) deleteSubscriptionOfToken(this.sql, hash);
    });
    this.streams.closeRevoked(hash);
  }

  /** Empties the object and recreates its schema, so it stays usable. */
  protected async resetStorage(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.knownId = undefined;
    this.forgetMemos();
    this.tokenMemo.clear();
    this.limiter.forget();
    migrate(this.ctx.storage, ACCOUNT_MIGRATIONS);
  }

  /**
   * The token's record, remembered in memory after the first hashed lookup: every
   * authenticated request starts here. Revocation and erasure forget it.
   */
  private async findToken(token: string): Promise<{ record: TokenRecord; hash: string } | null> {
    const known = this.tokenMemo.get(token);
    if (known) return known;
    const hash = await sha256Base64url(token);
    const row = this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE hash = ?", hash).toArray()[0];
    if (!row) return null;
    if (this.tokenMemo.size >= 64) this.tokenMemo.clear();
    const found = { record: toTokenRecord(row), hash };
    this.tokenMemo.set(token, found);
    return found;
  }

  private tableWritten(table: string, adds: boolean): void {
    if (table === "account" || table === "keys") this.recordMemo = undefined;
    if (!FEED_TABLES.has(table)) this.actorJson = null;
    if (table === "tokens" && !adds) this.tokenMemo.clear();
    if (table === "push_subscriptions") forgetPushGates(this.sql);
    this.pageCache.written(table);
    this.feedFacts.written(table, adds);
  }

  private forgetMemos(): void {
    this.recordMemo = undefined;
    this.actorJson = null;
    forgetPushGates(this.sql);
    this.pageCache.clear();
    this.feedFacts.clear();
    this.activity.forget();
  }
}
