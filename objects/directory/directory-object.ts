import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import { fail, ok, type Result } from "../../lib/result";
import { type AccountRecord, type AccountSnapshot, type CustomEmojiRecord, type ModerationChange, type ModerationReport, type ModerationView, type NewReport, type NotificationReport, type ReportRecord, type Role, toSnapshot } from "../../schemas/records";
import { snowflake } from "../../lib/ids";
import { base64 } from "../../lib/crypto";
import { addProfileColumns, browseProfiles, noindexUsernames, searchProfiles, writeProfile, type DirectoryPage, type ProfileSearch } from "./profiles";
import { addReport, listReports, reportCategoriesSchema, reportsSchema } from "./reports";
import * as moderation from "./moderation";
import type { AdminNotification } from "../account/admin-notifications";
import { activityCounts, activitySchema, recordActivity, weeklyCounts, type AccountActivity, type ActivityCounts } from "./activity";
import * as domainModeration from "./domain-moderation";
import * as signUpBlocks from "./sign-up-blocks";
import * as measures from "./measures";
import * as trendReviews from "./trend-reviews";
import type * as blocks from "../../schemas/admin-blocks";
import { domainBlockOp, signUpBlockOp, type DomainBlockOp, type SignUpBlockOp } from "./admin-block-ops";

/**
 * The instance-wide registry of local accounts: unique usernames and emails, id lookups and
 * counts. A singleton (`idFromName("directory")`): writes are rare (registrations), and the
 * Worker caches its username lookups. Profiles themselves live in each account's object.
 */
export const MIGRATIONS: readonly Migration[] = [
  (sql) => {
    sql.exec(`CREATE TABLE accounts (
      id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      username_lower TEXT NOT NULL UNIQUE,
      email_lower TEXT NOT NULL UNIQUE,
      state TEXT NOT NULL DEFAULT 'pending',
      approved INTEGER NOT NULL DEFAULT 1,
      role TEXT NOT NULL DEFAULT 'user',
      created_at TEXT NOT NULL
    )`);
  },
  (sql) => {
    sql.exec(`CREATE TABLE instance_keys (name TEXT PRIMARY KEY, public_key TEXT NOT NULL, private_jwk TEXT NOT NULL)`);
  },
  (sql) => {
    // Domains of other servers we have seen (federation fills it); local custom emojis (admin
    // upload fills it). Both are rare writes whose reads the Worker caches.
    sql.exec(`CREATE TABLE peers (domain TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE custom_emojis (
      shortcode TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      static_url TEXT NOT NULL,
      visible_in_picker INTEGER NOT NULL DEFAULT 1,
      category TEXT,
      created_at TEXT NOT NULL
    )`);
    sql.exec(`CREATE INDEX accounts_by_created_at ON accounts (created_at)`);
  },
  // Public profile copies for account search and the profile directory (objects/directory/profiles.ts).
  addProfileColumns,
  // Federation: servers we refuse; the Worker checks them before fetching any key.
  (sql) => {
    sql.exec(`CREATE TABLE domain_blocks (domain TEXT PRIMARY KEY, created_at TEXT NOT NULL)`);
  },
  // Reports about local accounts (Flag activities; objects/directory/reports.ts).
  reportsSchema,
  // Who resolved a report (admin API; objects/directory/moderation.ts).
  moderation.moderationSchema,
  // Statuses and logins per week, last activity (objects/directory/activity.ts).
  activitySchema,
  // Categories and rules of local reports (objects/directory/reports.ts).
  reportCategoriesSchema,
  // Domain blocks with severities, domain allows (objects/directory/domain-moderation.ts).
  domainModeration.domainModerationSchema,
  // E-mail domain, IP and canonical e-mail blocks (objects/directory/sign-up-blocks.ts).
  signUpBlocks.signUpBlocksSchema,
  // Moderators' approvals and rejections of trends (objects/directory/trend-reviews.ts).
  trendReviews.trendReviewsSchema,
  // Suspended, silenced, sensitized, disabled accounts; assigned reports (objects/directory/moderation.ts).
  moderation.accountModerationSchema,
];

export interface Registration {
  username: string;
  email: string;
  password: string;
  role: Role;
  approved: boolean;
  locale?: string | null;
  reason?: string | null;
}

export interface InstanceSummary extends ActivityCounts {
  /** Active (created) local accounts, approved or not. */
  users: number;
  /** Known other servers. */
  peers: number;
  /** The first owner, else the first admin; null if there is none. */
  contactAccountId: string | null;
}

export interface DirectoryEntry {
  id: string;
  username: string;
  approved: boolean;
  role: Role;
}

export class DirectoryObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /**
   * Reserves the username and email, creates the account's object, then activates the entry.
   * If creation fails the reservation is released, so no half-registered account remains.
   */
  async register(input: Registration): Promise<Result<AccountRecord>> {
    const usernameLower = input.username.toLowerCase();
    const emailLower = input.email.toLowerCase();
    const taken = this.sql
      .exec<{ username_lower: string; email_lower: string }>(
        "SELECT username_lower, email_lower FROM accounts WHERE username_lower = ? OR email_lower = ?",
        usernameLower,
        emailLower,
      )
      .toArray();
    const details: Record<string, { error: string; description: string }[]> = {};
    if (taken.some((r) => r.username_lower === usernameLower)) {
      details.username = [{ error: "ERR_TAKEN", description: "is already taken" }];
    }
    if (taken.some((r) => r.email_lower === emailLower)) {
      details.email = [{ error: "ERR_TAKEN", description: "is already taken" }];
    }
    if (Object.keys(details).length > 0) {
      const summary = Object.entries(details).map(([k, v]) => `${k[0].toUpperCase()}${k.slice(1)} ${v[0].description}`);
      return fail(422, `Validation failed: ${summary.join(", ")}`, { details });
    }
    const id = snowflake();
    this.sql.exec(
      "INSERT INTO accounts (id, username, username_lower, email_lower, approved, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      id,
      input.username,
      usernameLower,
      emailLower,
      input.approved ? 1 : 0,
      input.role,
      new Date().toISOString(),
    );
    try {
      const stub = this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id));
      const created = await stub.create({ id, ...input });
      if (!created.ok) {
        this.sql.exec("DELETE FROM accounts WHERE id = ?", id);
        return created;
      }
      this.sql.exec("UPDATE accounts SET state = 'active' WHERE id = ?", id);
      writeProfile(this.sql, toSnapshot(created.value));
      await this.notifyStaff({ type: "admin.sign_up", from: toSnapshot(created.value) });
      return created;
    } catch (err) {
      this.sql.exec("DELETE FROM accounts WHERE id = ?", id);
      throw err;
    }
  }

  async findByUsername(username: string): Promise<DirectoryEntry | null> {
    return this.entry("username_lower = ?", username.toLowerCase());
  }

  async findByEmail(email: string): Promise<DirectoryEntry | null> {
    return this.entry("email_lower = ?", email.toLowerCase());
  }

  async findById(id: string): Promise<DirectoryEntry | null> {
    return this.entry("id = ?", id);
  }

  /** An account object sends its public snapshot when its profile or counts change (idempotent). */
  async syncProfile(snapshot: AccountSnapshot, activity: AccountActivity = { lastActiveAt: null, posts: [] }): Promise<void> {
    recordActivity(this.sql, snapshot.id, activity);
    writeProfile(this.sql, snapshot);
  }

  /** Account search over local accounts (`/api/v1/accounts/search`), ranked. */
  async searchAccounts(input: ProfileSearch): Promise<AccountSnapshot[]> {
    return searchProfiles(this.sql, input);
  }

  /** The profile directory (`/api/v1/directory`): discoverable accounts. */
  async browseDirectory(input: DirectoryPage): Promise<AccountSnapshot[]> {
    return browseProfiles(this.sql, input);
  }

  /** Local accounts whose profiles search engines should not index (robots.txt). */
  async noindexUsernames(): Promise<string[]> {
    return noindexUsernames(this.sql);
  }

  async stats(): Promise<{ users: number }> {
    const users = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE state = 'active'").one().n;
    return { users };
  }

  /**
   * The instance's VAPID (Web Push, RFC 8292) public key: an ECDSA P-256 key pair made on first
   * use and kept here. Returned as Mastodon does: the raw uncompressed point, base64url, padded.
   */
  async vapidPublicKey(): Promise<string> {
    return (await this.vapidKeyPair()).publicKey;
  }

  /**
   * The whole VAPID pair, for the account objects that sign push requests (they cache it per
   * isolate): the public key exactly as `vapidPublicKey` gives it, and the private key as a JWK.
   */
  async vapidKeyPair(): Promise<{ publicKey: string; privateJwk: string }> {
    const stored = () =>
      this.sql
        .exec<{ public_key: string; private_jwk: string }>("SELECT public_key, private_jwk FROM instance_keys WHERE name = 'vapid'")
        .toArray()[0];
    const existing = stored();
    if (existing) return { publicKey: existing.public_key, privateJwk: existing.private_jwk };
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
    const publicKey = base64(raw).replace(/\+/g, "-").replace(/\//g, "_");
    const privateJwk = JSON.stringify(await crypto.subtle.exportKey("jwk", pair.privateKey));
    // Two first calls may race across the awaits above: the first insert wins for both.
    this.sql.exec("INSERT OR IGNORE INTO instance_keys (name, public_key, private_jwk) VALUES ('vapid', ?, ?)", publicKey, privateJwk);
    const kept = stored()!;
    return { publicKey: kept.public_key, privateJwk: kept.private_jwk };
  }

  /** What the instance endpoints and nodeinfo show: counts and the contact account (owner first). */
  async instanceSummary(): Promise<InstanceSummary> {
    const users = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE state = 'active'").one().n;
    const peers = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM peers").one().n;
    const contact = this.sql
      .exec<{ id: string }>(
        `SELECT id FROM accounts WHERE state = 'active' AND approved = 1 AND role IN ('owner', 'admin')
         ORDER BY role = 'owner' DESC, created_at, id LIMIT 1`,
      )
      .toArray()[0];
    return { users, peers, contactAccountId: contact?.id ?? null, ...activityCounts(this.sql) };
  }

  /** Statuses, logins and registrations per week: `weekStarts` are ISO instants (Mondays), each bucket spans 7 days. */
  async weeklyActivity(weekStarts: string[]): Promise<{ statuses: number; logins: number; registrations: number }[]> {
    const counts = weeklyCounts(this.sql, weekStarts);
    return weekStarts.map((start, i) => {
      const end = new Date(Date.parse(start) + 7 * 24 * 3600 * 1000).toISOString();
      const registrations = this.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM accounts WHERE state = 'active' AND created_at >= ? AND created_at < ?", start, end)
        .one().n;
      return { ...counts[i], registrations };
    });
  }

  /** Known servers, without those the moderators block (as Mastodon's `searchable` instances). */
  async peers(): Promise<string[]> {
    return this.sql
      .exec<{ domain: string }>(
        `SELECT domain FROM peers p WHERE NOT EXISTS (
           SELECT 1 FROM domain_blocks b WHERE p.domain = b.domain OR substr(p.domain, -length(b.domain) - 1) = '.' || b.domain)
         ORDER BY domain`,
      )
      .toArray()
      .map((r) => r.domain);
  }

  /** Federation calls this for domains it meets; known ones are ignored. */
  async addPeers(domains: string[]): Promise<void> {
    const now = new Date().toISOString();
    for (const domain of domains) {
      this.sql.exec("INSERT OR IGNORE INTO peers (domain, first_seen_at) VALUES (?, ?)", domain.toLowerCase(), now);
    }
  }

  /** Blocks a domain (and its subdomains) for federation. Lower-cased; idempotent. */
  async blockDomain(domain: string): Promise<void> {
    domainModeration.suspendDomain(this.sql, domain);
  }

  async unblockDomain(domain: string): Promise<void> {
    this.sql.exec("DELETE FROM domain_blocks WHERE domain = ?", domain.toLowerCase());
  }

  /**
   * Stores a report (a Flag from another server, or a local user's); idempotent per activity and
   * account. Returns its id. A new report is an `admin.report` notification for the staff, when
   * the caller names the reporter and the reported account.
   */
  async addReport(report: NewReport, parties?: { reporter: AccountSnapshot; target: AccountSnapshot }): Promise<string> {
    const { id, created } = addReport(this.sql, report);
    if (created && parties) {
      const stored = moderation.findReport(this.sql, id)!;
      const snapshot: NotificationReport = {
        report: {
          id,
          createdAt: stored.createdAt,
          category: stored.category ?? "other",
          comment: stored.comment,
          forwarded: stored.forwarded,
          statusIds: stored.statusIds,
          ruleIds: stored.ruleIds ?? [],
        },
        target: parties.target,
      };
      await this.notifyStaff({ type: "admin.report", from: parties.reporter, report: snapshot });
    }
    return id;
  }

  /** Tells every staff account (moderation.ts); a failure is logged, never the caller's. */
  private async notifyStaff(n: AdminNotification): Promise<void> {
    const ids = moderation.staffAccountIds(this.sql);
    const results = await Promise.allSettled(ids.map((id) => this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id)).receiveAdminNotification(n)));
    for (const r of results) if (r.status === "rejected") console.error("admin notification failed", r.reason);
  }

  /** Reports, newest first (for moderators). */
  async reports(input: { targetAccountId?: string; limit?: number } = {}): Promise<ReportRecord[]> {
    return listReports(this.sql, { targetAccountId: input.targetAccountId, limit: Math.min(input.limit ?? 100, 500) });
  }

  // ----- moderation (worker/api/admin.ts; objects/directory/moderation.ts) -----

  /** Local accounts for moderators, newest first. */
  async moderationAccounts(filter: moderation.AccountFilter): Promise<moderation.ModerationEntry[]> {
    return moderation.filterAccounts(this.sql, filter);
  }

  async moderationEntry(id: string): Promise<moderation.ModerationEntry | null> {
    return moderation.moderationEntry(this.sql, id);
  }

  /**
   * Approves a pending registration: here first (so that a concurrent reject finds it approved
   * and stops), then in the account's object, whose flag tokens and sign-in check.
   */
  async approveRegistration(id: string): Promise<Result<ModerationView>> {
    const entry = moderation.moderationEntry(this.sql, id);
    if (!entry) return fail(404, "Record not found");
    if (entry.approved) return fail(403, "This action is not allowed");
    this.sql.exec("UPDATE accounts SET approved = 1 WHERE id = ?", id);
    const revert = () => this.sql.exec("UPDATE accounts SET approved = 0 WHERE id = ?", id);
    try {
      const approved = await this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id)).approve();
      if (!approved.ok) revert();
      return approved;
    } catch (err) {
      revert();
      throw err;
    }
  }

  /**
   * Rejects a pending registration as Mastodon does: the account is deleted and its username and
   * email are free again. The entry is hidden (from lookups and a concurrent approve) while the
   * account's object is emptied, then removed.
   */
  async rejectRegistration(id: string): Promise<Result<{ username: string }>> {
    const entry = moderation.moderationEntry(this.sql, id);
    if (!entry) return fail(404, "Record not found");
    if (entry.approved) return fail(403, "This action is not allowed");
    this.sql.exec("UPDATE accounts SET state = 'rejecting' WHERE id = ?", id);
    const revert = () => this.sql.exec("UPDATE accounts SET state = 'active' WHERE id = ?", id);
    try {
      const erased = await this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id)).eraseUnapproved();
      if (!erased.ok) {
        revert();
        return fail(erased.status, erased.error);
      }
    } catch (err) {
      revert();
      throw err;
    }
    this.sql.exec("DELETE FROM accounts WHERE id = ?", id);
    return ok({ username: entry.username });
  }

  /**
   * A moderator's action on a local account: the account's object enforces it, then its state
   * is mirrored here for the filters, the action logged and the reports it settles resolved.
   * Unknown or pending-rejection accounts are 404s.
   */
  async moderateAccount(id: string, change: ModerationChange, log: moderation.ActionLog | null): Promise<Result<ModerationView>> {
    if (!moderation.moderationEntry(this.sql, id)) return fail(404, "Record not found");
    const applied = await this.env.ACCOUNT.get(this.env.ACCOUNT.idFromName(id)).moderate(change);
    if (!applied.ok) return applied;
    this.ctx.storage.transactionSync(() => {
      moderation.recordModeration(this.sql, id, applied.value.moderation);
      if (log) moderation.recordAction(this.sql, id, log);
    });
    return applied;
  }

  async changeReport(id: string, change: moderation.ReportChange): Promise<ModerationReport | null> {
    return moderation.changeReport(this.sql, id, change);
  }

  /**
   * A local account deleted itself (objects/account/deletion.ts): its username stays reserved
   * forever, as Mastodon keeps a deleted account's username, while its e-mail address is free
   * again and its profile leaves search and the directory. Idempotent.
   */
  async accountDeleted(id: string): Promise<void> {
    this.sql.exec(
      `UPDATE accounts SET state = 'deleted', email_lower = 'deleted:' || id, display_name = '', display_name_lower = '',
       note = '', discoverable = 0, snapshot = NULL, followers_count = 0, statuses_count = 0 WHERE id = ?`,
      id,
    );
  }

  /** Whether a local account with this username was deleted (its actor answers 410 Gone). */
  async isDeletedUsername(username: string): Promise<boolean> {
    return this.sql.exec("SELECT 1 FROM accounts WHERE username_lower = ? AND state = 'deleted'", username.toLowerCase()).toArray().length > 0;
  }

  async moderationReports(filter: moderation.ReportFilter): Promise<ModerationReport[]> {
    return moderation.filterReports(this.sql, filter);
  }

  async moderationReport(id: string): Promise<ModerationReport | null> {
    return moderation.findReport(this.sql, id);
  }

  /** Suspended domains. */
  async domainBlocks(): Promise<string[]> {
    return this.sql.exec<{ domain: string }>("SELECT domain FROM domain_blocks WHERE severity = 'suspend' ORDER BY domain").toArray().map((r) => r.domain);
  }

  async customEmojis(): Promise<CustomEmojiRecord[]> {
    return this.sql
      .exec<{ shortcode: string; url: string; static_url: string; visible_in_picker: number; category: string | null }>(
        "SELECT shortcode, url, static_url, visible_in_picker, category FROM custom_emojis ORDER BY shortcode",
      )
      .toArray()
      .map((r) => ({ ...r, visible_in_picker: r.visible_in_picker === 1 }));
  }

  // ----- instance-level blocks, measures, trend reviews (worker/api/admin-*.ts) -----

  async adminDomainBlocks(op: DomainBlockOp): Promise<Result<unknown>> {
    return domainBlockOp(this.sql, op);
  }

  /** What federation checks (core/domain-policy.ts caches it per isolate). */
  async federationPolicy(): Promise<blocks.FederationPolicyRecord> {
    return domainModeration.federationPolicy(this.sql);
  }

  async allDomainBlocks(): Promise<blocks.DomainBlockRecord[]> {
    return domainModeration.allDomainBlocks(this.sql);
  }

  async signUpBlocks(op: SignUpBlockOp): Promise<Result<unknown>> {
    return signUpBlockOp(this.sql, op);
  }

  async screenSignUp(input: { email: string; canonicalHash: string; address: string | null }): Promise<blocks.SignUpScreening> {
    return signUpBlocks.screenSignUp(this.sql, input);
  }

  async addressSeverities(address: string): Promise<blocks.IpBlockSeverity[]> {
    return [...signUpBlocks.addressSeverities(this.sql, address)];
  }

  async measure(key: measures.MeasuredKey, startAt: string, endAt: string): Promise<measures.MeasureSeries> {
    return measures.measure(this.sql, key, startAt, endAt);
  }

  async retention(startAt: string, endAt: string, frequency: "day" | "month"): Promise<measures.Cohort[]> {
    return measures.retention(this.sql, startAt, endAt, frequency);
  }

  async reviewTrend(kind: blocks.TrendKind, key: string, state: blocks.TrendReview): Promise<void> {
    trendReviews.reviewTrend(this.sql, kind, key, state);
  }

  async trendReviews(kind: blocks.TrendKind): Promise<Record<string, blocks.TrendReview>> {
    return trendReviews.trendReviews(this.sql, kind);
  }

  private entry(where: string, value: string): DirectoryEntry | null {
    const row = this.sql
      .exec<{ id: string; username: string; approved: number; role: string }>(
        `SELECT id, username, approved, role FROM accounts WHERE state = 'active' AND ${where}`,
        value,
      )
      .toArray()[0];
    return row ? { id: row.id, username: row.username, approved: row.approved === 1, role: row.role as Role } : null;
  }
}
