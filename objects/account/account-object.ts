import { DurableObject } from "cloudflare:workers";
import { migrate } from "../migrations";
import { ACCOUNT_MIGRATIONS } from "./schema";
import { frozenAccountRecord, toAccountRecord, toTokenRecord, type AccountRow, type TokenRow } from "./records";
import { watchRollbacks, watchTableWrites } from "../watched-storage";
import { FeedFactsMemo } from "./feed-facts";
import { ActivityTracker } from "./activity";
import { renderNotificationPage, renderStatusPage } from "../../core/serializers/rendered";
import { PageCache, pageKey } from "./page-cache";
import { serializeCredentialAccount, type Origin } from "../../core/serializers/account";
import type { AccountRecord, Role, TokenRecord } from "../../schemas/records";
import { fail, mapResult, ok, type Result } from "../../lib/result";
import { generateActorKeys, hashPassword, PBKDF2_ITERATIONS, randomSecret, sha256Base64url, timingSafeEqual } from "../../lib/crypto";
import { hasScope } from "../../lib/scopes";
import { mintAccountHandle, mintUserToken } from "../../lib/tokens";
import { Outbox, scheduleAlarm } from "../outbox";
import { accountJobs } from "./jobs";
import { clearProfileImage, profileChanges, writeProfile, type ProfileImage } from "./profile";
import * as graph from "./graph";
import * as reads from "./graph-reads";
import * as lists from "./lists";
import * as tags from "./tags";
import { recentStatusesFor } from "./backfill";
import { profileChanged, refreshAccountCopy, type RemoteInboxes } from "./profile-copies";
import type { AccountSnapshot as GraphSnapshot, StatusRecord as GraphStatus } from "../../schemas/records";
import { actorData, type ActorData } from "./activitypub";
import type { Page } from "../../core/paging";
import { toSnapshot, type StatusRecord as TimelineStatus } from "../../schemas/records";
import * as home from "./home";
import * as feeds from "./feeds";
import * as notes from "./notification-feed";
import * as convos from "./conversations";
import { getMarkers, saveMarkers, type MarkerTimeline } from "./markers";
import { READ_FILTER_OPS, runFilterOp, type FilterOp } from "./filters";
import type { FanoutOp, StatusDeleted } from "./fanout";
import type { ViewContext } from "./viewer";
import type { IdWindow } from "../paging";
import type { StatusRecord } from "../../schemas/records";
import * as statuses from "./statuses";
import * as interactions from "./interactions";
import * as scheduled from "./scheduled";
import * as federationOut from "./federation-out";
import * as federationIn from "./federation-in";
import * as search from "./search";
import { signAs } from "../federation/signing";
import type { OutgoingSignatureInput } from "../../lib/federation/http-signatures-cavage";
import { AccountStreams, type PublicEvent } from "../streams/account-streams";
import type { FeaturedTagRecord, ModerationView } from "../../schemas/records";
import type { ProfileUpdate } from "../../schemas/accounts";

export interface NewAccount {
  id: string;
  username: string;
  email: string;
  password: string;
  role: Role;
  approved: boolean;
  locale?: string | null;
  /** Why the person wants to join (registrations in approval mode), for the moderators. */
  reason?: string | null;
}

export interface AppInfo {
  clientId: string;
  name: string;
  website: string | null;
}

export interface IssuedToken {
  access_token: string;
  scopes: string[];
  created_at: number;
}

export interface Viewer {
  account: AccountRecord;
  token: TokenRecord;
}

const AUTH_CODE_TTL_MS = 10 * 60 * 1000;
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** Sign-in failures allowed per account in the window before further attempts are refused. */
export const MAX_SIGN_IN_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/**
 * One local account: profile, keys, credentials, tokens and web sessions.
 * RPC methods return `Result` values; the Worker maps failures to HTTP in one place.
 */
export class AccountObject extends DurableObject<Env> {
  readonly sql: SqlStorage;
  readonly outbox: Outbox<AccountObject>;
  private knownId: string | undefined;
  /** The account record, read once and forgotten when `account`/`keys` change (see record()). */
  private recordMemo: Readonly<AccountRecord> | null | undefined;
  private readonly watchedStorage: DurableObjectStorage;
  /** Rendered home and notification pages (objects/account/page-cache.ts). */
  private readonly pageCache = new PageCache();
  /** When this account was last active, marked once a day (activity.ts). */
  private readonly activity = new ActivityTracker();
  /** What the home rules know about the accounts of statuses delivered here (feed-facts.ts). */
  readonly feedFacts = new FeedFactsMemo();
  private readonly tokenMemo = new Map<string, TokenRecord>();
  /** Public (the base class keeps it protected) so feature modules can reach other objects. */
  declare readonly env: Env;
  /** Streaming connections (objects/streams/): hibernatable WebSockets and SSE responses. */
  readonly streams: AccountStreams;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = watchTableWrites(ctx.storage.sql, (table, adds) => this.tableWritten(table, adds));
    this.watchedStorage = watchRollbacks(ctx.storage, () => this.forgetMemos());
    this.outbox = new Outbox(ctx.storage, accountJobs);
    this.streams = new AccountStreams(ctx, this);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, ACCOUNT_MIGRATIONS);
    });
  }

  // ----- account lifecycle -----

  async create(input: NewAccount): Promise<Result<AccountRecord>> {
    if (this.record()) return fail(422, "Account already exists");
    const keys = await generateActorKeys();
    const salt = randomSecret(16);
    const passwordHash = await hashPassword(input.password, salt);
    this.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO account (id, username, email, role, approved, language, created_at, registration_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        input.id,
        input.username,
        input.email,
        input.role,
        input.approved ? 1 : 0,
        input.locale ?? null,
        new Date().toISOString(),
        input.reason ?? null,
      );
      this.sql.exec(
        `INSERT INTO keys (id, rsa_public_pem, rsa_private_jwk, ed25519_public_multibase, ed25519_private_jwk) VALUES (1, ?, ?, ?, ?)`,
        keys.rsaPublicPem,
        keys.rsaPrivateJwk,
        keys.ed25519PublicMultibase,
        keys.ed25519PrivateJwk,
      );
      this.sql.exec(
        `INSERT INTO credentials (id, password_hash, salt, iterations) VALUES (1, ?, ?, ?)`,
        passwordHash,
        salt,
        PBKDF2_ITERATIONS,
      );
    });
    return ok(this.record()!);
  }

  /** The public record, or null if this object holds no account. */
  async get(): Promise<AccountRecord | null> {
    return this.record();
  }

  /** Applies a validated profile change in one statement (objects/account/profile.ts). */
  async updateProfile(update: ProfileUpdate): Promise<Result<AccountRecord>> {
    const current = this.row();
    if (!current) return fail(404, "Record not found");
    writeProfile(this.sql, profileChanges(update, current));
    search.afterProfileChange(this, current.indexable === 1);
    await profileChanged(this);
    return ok(this.record()!);
  }

  async deleteProfileImage(image: ProfileImage): Promise<Result<AccountRecord>> {
    if (!this.record()) return fail(404, "Record not found");
    clearProfileImage(this.sql, image);
    await profileChanged(this);
    return ok(this.record()!);
  }

  // ----- moderation (the directory calls these: approveRegistration, rejectRegistration) -----

  /** The record with what only moderators see (worker/api/admin.ts), or null if no account lives here. */
  async moderationView(): Promise<ModerationView | null> {
    const row = this.row();
    return row ? { account: toAccountRecord(row), reason: (row.registration_reason as string | null) ?? null } : null;
  }

  /** Lets an account registered in approval mode use its tokens and sign in. Idempotent. */
  async approve(): Promise<Result<ModerationView>> {
    if (!this.record()) return fail(404, "Record not found");
    this.sql.exec("UPDATE account SET approved = 1");
    return ok((await this.moderationView())!);
  }

  /**
   * Empties this object of a registration that was never approved (Mastodon deletes a rejected
   * user): all storage goes, then the schema is recreated so the object stays usable. Idempotent.
   */
  async eraseUnapproved(): Promise<Result<true>> {
    const account = this.record();
    if (!account) return ok(true);
    if (account.approved) return fail(403, "This action is not allowed");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.knownId = undefined;
    this.forgetMemos();
    this.tokenMemo.clear();
    migrate(this.ctx.storage, ACCOUNT_MIGRATIONS);
    return ok(true);
  }

  // ----- tokens -----

  /** Checks a bearer token and scope; the first step of every authenticated call. */
  async authorize(token: string, scope: string | null): Promise<Result<Viewer>> {
    const viewer = await this.viewer(token, scope);
    return viewer;
  }

  /** verify_credentials rendered here: the RPC carries one string (see worker/serializers/rendered.ts). */
  verifyCredentials(token: string, o: Origin): Promise<Result<string>> {
    return this.withViewer(token, "profile", (v) => {
      // Only a locked account keeps follow requests (unlocking accepts them).
      const requests = v.account.locked ? this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM follow_requests").one().n : 0;
      return ok(JSON.stringify(serializeCredentialAccount(v.account, o, requests)));
    });
  }

  async issueToken(app: AppInfo, scopes: string[]): Promise<Result<IssuedToken>> {
    if (!this.row()) return fail(404, "Record not found");
    return ok(await this.insertToken(app, scopes));
  }

  /** Revokes a token if it belongs to `clientId`; RFC 7009 says unknown tokens are not an error. */
  async revokeToken(token: string, clientId: string): Promise<void> {
    const hash = await sha256Base64url(token);
    this.tokenMemo.delete(token);
    this.sql.exec("DELETE FROM tokens WHERE hash = ? AND client_id = ?", hash, clientId);
    this.streams.closeRevoked(hash);
  }

  // ----- password, sessions and authorization codes (web sign-in) -----

  async checkPassword(password: string): Promise<Result<AccountRecord>> {
    const account = this.record();
    if (!account) return fail(401, "Invalid email or password");
    const now = Date.now();
    this.sql.exec("DELETE FROM sign_in_failures WHERE at < ?", now - SIGN_IN_WINDOW_MS);
    const failures = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sign_in_failures").one().n;
    if (failures >= MAX_SIGN_IN_FAILURES) return fail(429, "Too many failed sign-in attempts; try again later");
    const cred = this.sql
      .exec<{ password_hash: string; salt: string; iterations: number }>("SELECT password_hash, salt, iterations FROM credentials")
      .one();
    const candidate = await hashPassword(password, cred.salt, cred.iterations);
    if (!timingSafeEqual(candidate, cred.password_hash)) {
      this.sql.exec("INSERT INTO sign_in_failures (at) VALUES (?)", now);
      return fail(401, "Invalid email or password");
    }
    this.sql.exec("DELETE FROM sign_in_failures");
    if (!account.approved) return fail(403, "Your account is awaiting approval");
    return ok(account);
  }

  async createSession(): Promise<{ session: string; csrf: string }> {
    const id = this.accountId();
    const session = mintAccountHandle(id);
    const csrf = randomSecret();
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO sessions (hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)",
      await sha256Base64url(session),
      csrf,
      now,
      now + SESSION_TTL_MS,
    );
    return { session, csrf };
  }

  async getSession(session: string): Promise<{ account: AccountRecord; csrf: string } | null> {
    const account = this.record();
    if (!account) return null;
    const row = this.sql
      .exec<{ csrf: string; expires_at: number }>("SELECT csrf, expires_at FROM sessions WHERE hash = ?", await sha256Base64url(session))
      .toArray()[0];
    if (!row || row.expires_at < Date.now()) return null;
    return { account, csrf: row.csrf };
  }

  async deleteSession(session: string): Promise<void> {
    this.sql.exec("DELETE FROM sessions WHERE hash = ?", await sha256Base64url(session));
  }

  async createAuthCode(input: {
    clientId: string;
    redirectUri: string;
    scopes: string[];
    codeChallenge: string | null;
    codeChallengeMethod: string | null;
  }): Promise<string> {
    const code = mintAccountHandle(this.accountId());
    this.sql.exec(
      `INSERT INTO auth_codes (hash, client_id, redirect_uri, scopes, code_challenge, code_challenge_method, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      await sha256Base64url(code),
      input.clientId,
      input.redirectUri,
      input.scopes.join(" "),
      input.codeChallenge,
      input.codeChallengeMethod,
      Date.now() + AUTH_CODE_TTL_MS,
    );
    return code;
  }

  /** Exchanges an authorization code once; a reused code is refused (RFC 6749 §4.1.2). */
  async exchangeCode(input: {
    code: string;
    app: AppInfo;
    redirectUri: string;
    codeVerifier: string | null;
  }): Promise<Result<IssuedToken>> {
    const hash = await sha256Base64url(input.code);
    const row = this.sql
      .exec<{
        client_id: string;
        redirect_uri: string;
        scopes: string;
        code_challenge: string | null;
        code_challenge_method: string | null;
        expires_at: number;
        used: number;
      }>("SELECT * FROM auth_codes WHERE hash = ?", hash)
      .toArray()[0];
    const invalid = (why: string) => fail(400, "invalid_grant", { error_description: why });
    if (!row || row.client_id !== input.app.clientId) return invalid("The authorization code is invalid");
    if (row.used) return invalid("The authorization code was already used");
    if (row.expires_at < Date.now()) return invalid("The authorization code has expired");
    if (row.redirect_uri !== input.redirectUri) return invalid("The redirect URI does not match the authorization request");
    if (row.code_challenge) {
      if (!input.codeVerifier) return invalid("The code verifier is missing");
      const expected =
        row.code_challenge_method === "S256" ? await sha256Base64url(input.codeVerifier) : input.codeVerifier;
      if (!timingSafeEqual(expected, row.code_challenge)) return invalid("The code verifier is invalid");
    }
    this.sql.exec("UPDATE auth_codes SET used = 1 WHERE hash = ?", hash);
    this.sql.exec("DELETE FROM auth_codes WHERE expires_at < ?", Date.now());
    return ok(await this.insertToken(input.app, row.scopes.split(" ")));
  }

  // ----- statuses, interactions, polls, scheduled statuses (issue 3: statuses work) -----
  // Viewer methods take the caller's token. The others take a viewer id that the Worker has not
  // verified: it must call `view(token, ...)` (timelines section) before answering with their data.

  postStatus(token: string, input: scheduled.PostInput) {
    return this.withViewer(token, "write:statuses", (v) => scheduled.postOrSchedule(this, v, input));
  }
  editStatus(token: string, id: string, edit: statuses.EditDraft) {
    return this.withViewer(token, "write:statuses", (v) => statuses.editStatus(this, v, id, edit));
  }
  deleteStatus(token: string, id: string) {
    return this.withViewer(token, "write:statuses", () => statuses.removeStatus(this, id));
  }
  statusAction(token: string, action: interactions.StatusAction, id: string, options: interactions.ActionOptions = {}) {
    return this.withViewer(token, interactions.ACTION_SCOPES[action], (v) => interactions.act(this, v, action, id, options));
  }
  votePoll(token: string, pollId: string, choices: number[]) {
    return this.withViewer(token, "write:statuses", (v) => interactions.vote(this, v, pollId, choices));
  }
  savedStatuses(token: string, which: "favourites" | "bookmarks", page: Page) {
    return this.withViewer(token, `read:${which}`, (v) => ok(interactions.savedStatuses(this, v, which, page)));
  }
  scheduledStatuses(token: string, page: Page) {
    return this.withViewer(token, "read:statuses", () => ok(scheduled.listScheduled(this, page)));
  }
  scheduledStatus(token: string, id: string) {
    return this.withViewer(token, "read:statuses", () => scheduled.getScheduled(this, id));
  }
  rescheduleStatus(token: string, id: string, scheduledAt: string) {
    return this.withViewer(token, "write:statuses", () => scheduled.reschedule(this, id, scheduledAt));
  }
  cancelScheduledStatus(token: string, id: string) {
    return this.withViewer(token, "write:statuses", () => scheduled.cancelScheduled(this, id));
  }
  async statusesFor(ids: string[], viewerId: string | null): Promise<StatusRecord[]> {
    return statuses.statusesFor(this, ids, viewerId);
  }
  async accountStatuses(viewerId: string | null, query: statuses.AccountStatusesQuery) {
    return statuses.accountStatuses(this, viewerId, query);
  }
  async statusSource(id: string, viewerId: string) {
    return statuses.statusSource(this, id, viewerId);
  }
  async statusHistory(id: string, viewerId: string | null) {
    return statuses.statusHistory(this, id, viewerId);
  }
  async interactionAccounts(id: string, viewerId: string | null, list: "favourited_by" | "reblogged_by", page: Page) {
    return interactions.interactionAccounts(this, id, viewerId, list, page);
  }
  receiveInteraction(interaction: interactions.Interaction, actor: GraphSnapshot) {
    return interactions.receiveInteraction(this, interaction, actor);
  }
  receiveWatchedChange(change: interactions.WatchedChange) {
    return interactions.applyWatchedChange(this, change);
  }
  receivePollEnded(status: StatusRecord) {
    return interactions.receivePollEnded(this, status);
  }

  // ----- social graph, lists, tags (issue 3: graph work) -----
  // Viewer methods take the caller's token; the others are called by another account's object.

  follow(token: string, id: string, options: graph.FollowOptions) {
    return this.withViewer(token, "write:follows", (v) => graph.follow(this, v, id, options));
  }
  unfollow(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => graph.unfollow(this, v, id));
  }
  removeFromFollowers(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => graph.removeFromFollowers(this, v, id));
  }
  followRequests(token: string, page: reads.Page) {
    return this.withViewer(token, "read:follows", () => ok(reads.followRequestsPage(this.sql, page)));
  }
  authorizeFollowRequest(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => graph.authorizeFollowRequest(this, v, id));
  }
  rejectFollowRequest(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => graph.rejectFollowRequest(this, v, id));
  }
  block(token: string, id: string) {
    return this.withViewer(token, "write:blocks", (v) => graph.block(this, v, id));
  }
  unblock(token: string, id: string) {
    return this.withViewer(token, "write:blocks", (v) => graph.unblock(this, v, id));
  }
  blocks(token: string, page: reads.Page) {
    return this.withViewer(token, "read:blocks", () => ok(reads.blocksPage(this.sql, page)));
  }
  mute(token: string, id: string, options: graph.MuteOptions) {
    return this.withViewer(token, "write:mutes", (v) => graph.mute(this, v, id, options));
  }
  unmute(token: string, id: string) {
    return this.withViewer(token, "write:mutes", (v) => graph.unmute(this, v, id));
  }
  mutes(token: string, page: reads.Page) {
    return this.withViewer(token, "read:mutes", () => ok(reads.mutesPage(this.sql, page)));
  }
  setNote(token: string, id: string, comment: string) {
    return this.withViewer(token, "write:accounts", (v) => graph.setNote(this, v, id, comment));
  }
  endorse(token: string, id: string) {
    return this.withViewer(token, "write:accounts", (v) => graph.endorse(this, v, id));
  }
  unendorse(token: string, id: string) {
    return this.withViewer(token, "write:accounts", (v) => graph.unendorse(this, v, id));
  }
  endorsements(token: string, page: reads.Page) {
    return this.withViewer(token, "read:accounts", () => ok(reads.endorsementsPage(this.sql, page)));
  }
  relationships(token: string, ids: string[]) {
    return this.withViewer(token, "read:follows", () => ok(graph.relationshipsOf(this.sql, ids)));
  }
  familiarFollowers(token: string, ids: string[]) {
    return this.withViewer(token, "read:follows", async (v) => ok(await reads.familiarFollowers(this, v, ids)));
  }
  searchAccounts(token: string, search: reads.AccountSearch) {
    return this.withViewer(token, "read:accounts", async () => ok(await reads.searchAccounts(this, search)));
  }
  browseDirectory(token: string, input: { order: "active" | "new"; limit: number; offset: number }) {
    return this.withViewer(token, null, async () => ok(await reads.browseDirectory(this, input)));
  }
  /** This account's followers, following or endorsed accounts, as `viewerId` may see them. */
  async collection(which: reads.Collection, viewerId: string | null, page: reads.Page) {
    return reads.collectionPage(this, which, viewerId, page);
  }
  lists(token: string) {
    return this.withViewer(token, "read:lists", () => ok(lists.allLists(this.sql)));
  }
  getList(token: string, id: string) {
    return this.withViewer(token, "read:lists", () => lists.getList(this.sql, id));
  }
  createList(token: string, input: lists.ListInput & { title: string }) {
    return this.withViewer(token, "write:lists", () => lists.createList(this.sql, input));
  }
  updateList(token: string, id: string, input: lists.ListInput) {
    return this.withViewer(token, "write:lists", () => lists.updateList(this.sql, id, input));
  }
  deleteList(token: string, id: string) {
    return this.withViewer(token, "write:lists", () => lists.deleteList(this, id));
  }
  listMembers(token: string, id: string, page: reads.Page | null) {
    return this.withViewer(token, "read:lists", () => lists.listMembers(this.sql, id, page));
  }
  addListMembers(token: string, id: string, accountIds: string[]) {
    return this.withViewer(token, "write:lists", () => lists.addListMembers(this, id, accountIds));
  }
  removeListMembers(token: string, id: string, accountIds: string[]) {
    return this.withViewer(token, "write:lists", () => lists.removeListMembers(this, id, accountIds));
  }
  listsWithAccount(token: string, accountId: string) {
    return this.withViewer(token, "read:lists", () => lists.listsWithAccount(this, accountId));
  }
  /** How the viewer relates to a hashtag; any valid token will do (the tag itself is public). */
  tagRelation(token: string, name: string) {
    return this.withViewer(token, null, () => ok(tags.tagRelation(this.sql, name)));
  }
  followTag(token: string, name: string) {
    return this.withViewer(token, "write:follows", async () => ok(await tags.followTag(this, name)));
  }
  unfollowTag(token: string, name: string) {
    return this.withViewer(token, "write:follows", async () => ok(await tags.unfollowTag(this, name)));
  }
  followedTags(token: string, page: reads.Page) {
    return this.withViewer(token, "read:follows", () => ok(tags.followedTagsPage(this.sql, page)));
  }
  featuredTags(token: string) {
    return this.withViewer(token, "read:accounts", () => ok(tags.featuredTags(this.sql)));
  }
  featureTag(token: string, name: string) {
    return this.withViewer(token, "write:accounts", () => tags.featureTag(this.sql, name));
  }
  featureTagByName(token: string, name: string) {
    return this.withViewer(token, "write:accounts", () => tags.featureTagByName(this.sql, name));
  }
  unfeatureTag(token: string, id: string) {
    return this.withViewer(token, "write:accounts", () => tags.unfeatureTag(this.sql, id));
  }
  unfeatureTagByName(token: string, name: string) {
    return this.withViewer(token, "write:accounts", () => ok(tags.unfeatureTagByName(this.sql, name)));
  }
  featuredTagSuggestions(token: string) {
    return this.withViewer(token, "read:accounts", () => ok(tags.featuredTagSuggestions(this.sql)));
  }
  /** The featured tags on this account's profile (public), or 404. */
  async publicFeaturedTags(): Promise<Result<FeaturedTagRecord[]>> {
    const me = this.record();
    return me && me.approved ? ok(tags.featuredTags(this.sql)) : fail(404, graph.NOT_FOUND);
  }

  receiveFollow(follower: GraphSnapshot) {
    return graph.receiveFollow(this, follower);
  }
  receiveUnfollow(followerId: string) {
    return graph.receiveUnfollow(this, followerId);
  }
  followerRemoved(followeeId: string) {
    return graph.followerRemoved(this, followeeId);
  }
  followAccepted(followee: GraphSnapshot) {
    return graph.followAccepted(this, followee);
  }
  followRejected(followeeId: string) {
    return graph.followRejected(this, followeeId);
  }
  receiveBlock(blockerId: string) {
    return graph.receiveBlock(this, blockerId);
  }
  receiveUnblock(blockerId: string) {
    return graph.receiveUnblock(this, blockerId);
  }
  async recentStatusesFor(viewerId: string): Promise<GraphStatus[]> {
    return this.record() ? recentStatusesFor(this.sql, viewerId) : [];
  }
  async followersAmong(candidateIds: string[]) {
    return reads.followersAmong(this, candidateIds);
  }
  /** Another account's profile changed: refresh our copies of it, and a remote follower's inboxes (objects/account/profile-copies.ts). */
  async refreshAccountCopy(snapshot: GraphSnapshot, inboxes?: RemoteInboxes): Promise<void> {
    refreshAccountCopy(this.sql, snapshot, inboxes);
  }

  // ----- home/list timelines, fan-out, notifications, markers, conversations, filters (issue 3: timelines work) -----
  // Fan-out receivers are called by authors' objects and hashtag timelines; all are idempotent.

  /** `status` as JSON is the cheap form between objects (fan-out sends that). */
  async receiveStatus(status: TimelineStatus | string, via: home.Delivery = "author", participants?: GraphSnapshot[], streamed = false): Promise<void> {
    if (this.record()) home.receiveStatus(this, status, via, participants, streamed);
  }
  /** A followed author's new status, live listeners first (home.ts `streamStatus`): "streamed" asks for a second call to store it. */
  async streamStatus(json: string, participants?: GraphSnapshot[]): Promise<"streamed" | "stored"> {
    return this.record() ? home.streamStatus(this, json, participants) : "stored";
  }
  async receiveStatusUpdate(status: TimelineStatus): Promise<void> {
    if (!this.record()) return;
    search.refreshMention(this.sql, status);
    await home.receiveStatusUpdate(this, status);
  }
  async receiveStatusDelete(deleted: StatusDeleted): Promise<void> {
    if (!this.record()) return;
    search.forgetMention(this.sql, deleted.id);
    home.receiveStatusDelete(this, deleted);
  }
  /** Several of one remote author's statuses at once, in order (a JSON `FanoutOp[]`: one call, a cheap string to pass). */
  async receiveFanout(ops: string): Promise<void> {
    if (!this.record()) return;
    for (const op of JSON.parse(ops) as FanoutOp[]) {
      // As receiveStatus / receiveStatusUpdate / receiveStatusDelete above, the account read once.
      if (op.kind === "create") home.receiveStatus(this, op.status, "author", op.participants);
      else if (op.kind === "update") {
        search.refreshMention(this.sql, op.status);
        await home.receiveStatusUpdate(this, op.status);
      } else {
        search.forgetMention(this.sql, op.deleted.id);
        home.receiveStatusDelete(this, op.deleted);
      }
    }
  }
  homeTimeline(token: string, window: IdWindow, o: Origin) {
    return this.withViewer(token, "read:statuses", (v) =>
      ok(
        this.pageCache.get(pageKey("home", window, o), this.sql, () => {
          const page = feeds.readHome(this.sql, v.account.id, window);
          return { page: renderStatusPage(page, o), statuses: page.statuses };
        }),
      ),
    );
  }
  listTimeline(token: string, listId: string, window: IdWindow, o: Origin) {
    return this.withViewer(token, "read:lists", (v) => mapResult(feeds.readList(this.sql, v.account.id, listId, window), (page) => renderStatusPage(page, o)));
  }
  /** Candidate statuses from elsewhere (timelines, threads, profiles) as this viewer may see them. */
  view(token: string, candidates: TimelineStatus[], context: ViewContext, scope: string | null = "read:statuses") {
    return this.withViewer(token, scope, (v) => ok(feeds.viewCandidates(this.sql, v.account.id, candidates, context)));
  }
  notifications(token: string, query: notes.NotificationQuery, o: Origin) {
    return this.withViewer(token, "read:notifications", (v) =>
      ok(
        this.pageCache.get(pageKey("notifications", query, o), this.sql, () => {
          const page = notes.readNotifications(this.sql, v.account.id, query);
          return { page: renderNotificationPage(page, o), statuses: page.notifications.flatMap((n) => (n.status ? [n.status] : [])) };
        }),
      ),
    );
  }
  notification(token: string, id: string) {
    return this.withViewer(token, "read:notifications", (v) => notes.getNotification(this.sql, v.account.id, id));
  }
  groupedNotifications(token: string, query: notes.GroupedQuery) {
    return this.withViewer(token, "read:notifications", (v) => ok(notes.readGroupedNotifications(this.sql, v.account.id, query)));
  }
  notificationGroup(token: string, key: string) {
    return this.withViewer(token, "read:notifications", (v) => notes.getNotificationGroup(this.sql, v.account.id, key));
  }
  notificationGroupAccounts(token: string, key: string, window: IdWindow) {
    return this.withViewer(token, "read:notifications", () => notes.notificationGroupAccounts(this.sql, key, window));
  }
  unreadNotifications(token: string, query: notes.GroupedQuery, grouped: boolean) {
    return this.withViewer(token, "read:notifications", () => ok(grouped ? notes.unreadGroupCount(this.sql, query) : notes.unreadCount(this.sql, query)));
  }
  /** Dismisses one notification, one group, or all of them. */
  dismissNotifications(token: string, target: { id: string } | { groupKey: string } | "all") {
    return this.withViewer(token, "write:notifications", () => {
      if (target === "all") return ok(notes.clearNotifications(this.sql) ?? {});
      return "id" in target ? notes.dismissNotification(this.sql, target.id) : notes.dismissNotificationGroup(this.sql, target.groupKey);
    });
  }
  markers(token: string, timelines: MarkerTimeline[]) {
    return this.withViewer(token, "read:statuses", () => ok(getMarkers(this.sql, timelines)));
  }
  saveMarkers(token: string, changes: Partial<Record<MarkerTimeline, string>>) {
    return this.withViewer(token, "write:statuses", () => ok(saveMarkers(this.sql, changes)));
  }
  conversations(token: string, window: IdWindow) {
    return this.withViewer(token, "read:statuses", (v) => ok(convos.listConversations(this.sql, toSnapshot(v.account), window)));
  }
  readConversation(token: string, id: string) {
    return this.withViewer(token, "write:conversations", (v) => convos.markConversationRead(this.sql, toSnapshot(v.account), id));
  }
  removeConversation(token: string, id: string) {
    return this.withViewer(token, "write:conversations", () => convos.removeConversation(this.sql, id));
  }
  filters(token: string, op: FilterOp) {
    const scope = READ_FILTER_OPS.has(op.op) ? "read:filters" : "write:filters";
    return this.withViewer(token, scope, () => this.storage.transactionSync(() => runFilterOp(this.sql, op)));
  }

  // ----- search (issue 3: search work; objects/account/search.ts) -----

  searchFor(token: string, input: search.SearchInput) {
    return this.withViewer(token, "read:search", async (v) => ok(await search.search(this, v, input)));
  }
  /** How the viewer relates to each hashtag (trending tags); any valid token will do. */
  tagRelations(token: string, names: string[]) {
    return this.withViewer(token, null, () => ok(names.map((name) => tags.tagRelation(this.sql, name))));
  }

  // ----- federation (issue 5) -----

  /**
   * A remote actor's Follow of this account (inbound handler): recorded like a local follow,
   * then the Accept (or Reject) is queued for delivery (objects/account/federation-out.ts).
   */
  receiveRemoteFollow(input: federationOut.RemoteFollowInput) {
    return federationOut.receiveRemoteFollow(this, input, (follower) => graph.receiveFollow(this, follower));
  }
  /** A followed remote account moved (inbound Move): follow the new one instead (objects/account/federation-in.ts). */
  followMoved(fromId: string, toId: string) {
    return federationIn.followMoved(this, fromId, toId);
  }

  /** Inputs of the actor document besides the record (objects/account/activitypub.ts); null if no account lives here. */
  async federationActor(): Promise<ActorData | null> {
    return actorData(this.sql, this.record());
  }

  /** Signs an outgoing request with this account's RSA key (the key never leaves this object). */
  async signRequest(input: OutgoingSignatureInput): Promise<Result<Record<string, string>>> {
    const row = this.row();
    if (!row) return fail(404, "Record not found");
    const jwk = this.sql.exec<{ rsa_private_jwk: string }>("SELECT rsa_private_jwk FROM keys WHERE id = 1").one().rsa_private_jwk;
    return signAs(this, jwk, `/users/${row.username}`, input);
  }

  // ----- streaming (issue 4: objects/streams/) -----

  /** The one fetch between Worker and object: a streaming request (WebSocket upgrade or SSE). */
  override async fetch(request: Request): Promise<Response> {
    return this.streams.open(request);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.streams.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.streams.closed(ws, code, reason);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.streams.closed(ws, 1011, "error");
  }

  /** A public/hashtag timeline pushes an event; returns the stream keys still listened to here. */
  async streamPublic(event: PublicEvent): Promise<string[]> {
    return this.streams.deliverPublic(event);
  }

  // ----- durable side effects -----

  /** Queues a side effect (see objects/account/jobs.ts); call inside the transaction of the change. */
  enqueue(kind: string, payload: unknown, at = Date.now()): void {
    this.outbox.enqueue(kind, payload, at);
  }

  /** Makes sure the alarm will run queued jobs; call after a transaction that enqueued some. */
  async wake(): Promise<void> {
    await scheduleAlarm(this.ctx.storage, this.outbox.nextDueAt());
  }

  override async alarm(): Promise<void> {
    const next = await this.outbox.runDue(this);
    await scheduleAlarm(this.ctx.storage, next);
  }

  /** This object's account id (throws if the object holds no account). */
  accountId(): string {
    // An account's id never changes, so it is read once (hot: every delivery asks for it).
    return (this.knownId ??= this.sql.exec<{ id: string }>("SELECT id FROM account").one().id);
  }

  /** The object's storage; its transactionSync forgets the record memo when it rolls back. */
  get storage(): DurableObjectStorage {
    return this.watchedStorage;
  }

  // ----- internals -----

  /** Authenticates the caller's token for `scope`, then runs `run` as that viewer. */
  private async withViewer<T>(token: string, scope: string | null, run: (viewer: Viewer) => Result<T> | Promise<Result<T>>): Promise<Result<T>> {
    const v = await this.viewer(token, scope);
    return v.ok ? run(v.value) : v;
  }

  protected async viewer(token: string, scope: string | null): Promise<Result<Viewer>> {
    const account = this.record();
    const record = account ? await this.findToken(token) : null;
    if (!account || !record) return fail(401, "The access token is invalid");
    if (scope && !hasScope(record.scopes, scope)) return fail(403, "This action is outside the authorized scopes");
    // Registered in approval mode: the token exists but works only once a moderator approves.
    if (!account.approved) return fail(403, "Your login is currently pending approval");
    if (this.activity.note(this)) await this.wake();
    return ok({ account, token: record });
  }

  /**
   * The token's record, remembered in memory after the first hashed lookup: every
   * authenticated request starts here. Revocation and erasure forget it.
   */
  private async findToken(token: string): Promise<TokenRecord | null> {
    const known = this.tokenMemo.get(token);
    if (known) return known;
    const row = this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE hash = ?", await sha256Base64url(token)).toArray()[0];
    if (!row) return null;
    if (this.tokenMemo.size >= 64) this.tokenMemo.clear();
    const record = toTokenRecord(row);
    this.tokenMemo.set(token, record);
    return record;
  }

  private async insertToken(app: AppInfo, scopes: string[]): Promise<IssuedToken> {
    const token = mintUserToken(this.row()!.id);
    const createdAt = Math.floor(Date.now() / 1000);
    this.sql.exec(
      "INSERT INTO tokens (hash, client_id, app_name, app_website, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      await sha256Base64url(token),
      app.clientId,
      app.name,
      app.website,
      scopes.join(" "),
      createdAt,
    );
    return { access_token: token, scopes, created_at: createdAt };
  }

  row(): AccountRow | undefined {
    return this.sql
      .exec<AccountRow>("SELECT account.*, keys.rsa_public_pem FROM account JOIN keys ON keys.id = 1")
      .toArray()[0];
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

  private tableWritten(table: string, adds: boolean): void {
    if (table === "account" || table === "keys") this.recordMemo = undefined;
    this.pageCache.written(table);
    this.feedFacts.written(table, adds);
  }

  private forgetMemos(): void {
    this.recordMemo = undefined;
    this.pageCache.clear();
    this.feedFacts.clear();
    this.activity.forget();
  }
}
