import { mapResult, ok, fail, type Result } from "../../lib/result";
import type { RateBucket } from "./rate-limits";
import { renderGroupedNotificationPage, renderNotificationPage, renderStatusPage } from "../../core/serializers/rendered";
import type { Origin } from "../../core/serializers/account";
import type { Page } from "../../schemas/paging";
import { type AccountRecord, type StatusRecord, toSnapshot } from "../../schemas/records";
import type { ProfileUpdate } from "../../schemas/accounts";
import type { AppInfo, IssuedToken, NewAccount, Viewer } from "../../schemas/auth";
import type { IdWindow } from "../paging";
import { AccountPeerCalls } from "./peer-calls";
import { pageKey } from "./page-cache";
import * as credentials from "./credentials";
import type { ProfileImage } from "./profile";
import * as profileUpdates from "./profile-updates";
import * as graph from "./graph";
import * as reads from "./graph-reads";
import * as lists from "./lists";
import * as tags from "./tags";
import * as feeds from "./feeds";
import * as notes from "./notification-feed";
import * as convos from "./conversations";
import { getMarkers, saveMarkers, type MarkerTimeline } from "./markers";
import { READ_FILTER_OPS, runFilterOp, type FilterOp } from "./filters";
import type { ViewContext } from "./viewer";
import * as statuses from "./statuses";
import * as interactions from "./interactions";
import * as quotes from "./quotes";
import type { QuotePolicy } from "../../schemas/records";
import type { ViewedStatus } from "../../schemas/calls";
import * as scheduled from "./scheduled";
import * as search from "./search";
import * as media from "./media";
import * as suggestions from "./suggestions";
import { runPushOp, type PushOp } from "./push-subscriptions";
import { runDomainBlockOp, withDomainBlocking, withDomainFlag, unlessDomainBlocked, type DomainBlockOp } from "./user-domain-blocks";
import { runNotificationRequestOp, type NotificationRequestOp } from "./notification-requests";
import { portabilityScope, runAsSession, runPortabilityOp } from "./portability";
import type { PortabilityCaller, PortabilityOp } from "../../schemas/portability";
import { profileSource } from "./profile-source";
import * as collections from "./collections";
import { runAnnualReportOp, type AnnualReportOp } from "./annual-reports";
import type { OffsetPage } from "../../schemas/collections";
import { runAccountSettingsOp, type AccountSettingsOp } from "./account-settings";
import { deleteSelf } from "./deletion";
import { refuseIfMoved } from "./moving";

export type QuoteOp = { op: "revoke"; statusId: string; quotingId: string } | { op: "policy"; statusId: string; policy: QuotePolicy };

/**
 * One local account's RPC surface for the Worker: each method checks the caller's token and
 * scope, then delegates to a feature module; sign-in and token issuing come first. The calls
 * other objects make (fan-out, graph, federation, streams) are in peer-calls.ts; state, memos
 * and token checks in account-state.ts. Methods return `Result` values the Worker maps to HTTP.
 */
export class AccountObject extends AccountPeerCalls {
  // ----- account lifecycle -----

  create(input: NewAccount): Promise<Result<AccountRecord>> {
    return credentials.createAccount(this, input);
  }
  /** The public record, or null if this object holds no account. */
  async get(): Promise<AccountRecord | null> {
    return this.record();
  }
  updateProfile(update: ProfileUpdate) {
    return profileUpdates.updateProfile(this, update);
  }
  deleteProfileImage(image: ProfileImage) {
    return profileUpdates.deleteProfileImage(this, image);
  }
  /** The Profile entity's source, for `GET /api/v1/profile`. */
  profile(token: string) {
    return this.withViewer(token, "profile", () => {
      const source = profileSource(this);
      return source ? ok(source) : fail(404, "Record not found");
    });
  }
  /** The same without a token: the Worker authenticated the caller (`PATCH /api/v1/profile`). */
  async profileSource() {
    return profileSource(this);
  }
  /** Deletes this account and everything it made (deletion.ts); for moderators' routes too. */
  deleteSelf() {
    return deleteSelf(this, (hashes) => this.closeStreamsOf(hashes));
  }
  /** The account settings pages (aliases, moving out, deletion) for a signed-in web session. */
  accountSettings(session: string, op: AccountSettingsOp) {
    return runAccountSettingsOp(this, session, op, (hashes) => this.closeStreamsOf(hashes));
  }
  private closeStreamsOf(tokenHashes: string[]): void {
    for (const hash of tokenHashes) this.streams.closeRevoked(hash);
  }

  // ----- tokens -----

  /** The token check alone (one RPC); `bucket` counts a post or an upload before the Worker stores anything. */
  async authorize(token: string, scope: string | null, bucket: RateBucket | null = null): Promise<Result<Viewer>> {
    return this.viewer(token, scope, bucket);
  }
  /** verify_credentials rendered here: the RPC carries one string (core/serializers/rendered.ts). */
  verifyCredentials(token: string, o: Origin): Promise<Result<string>> {
    return this.withViewer(token, "profile", (v) => ok(credentials.credentialAccountJson(this, v.account, o)));
  }
  async issueToken(app: AppInfo, scopes: string[]): Promise<Result<IssuedToken>> {
    return this.row() ? ok(await credentials.insertToken(this, app, scopes)) : fail(404, "Record not found");
  }
  /** Revokes a token if it belongs to `clientId`; RFC 7009 says unknown tokens are not an error. */
  async revokeToken(token: string, clientId: string): Promise<void> {
    await this.revokeOwnToken(token, clientId);
  }

  // ----- password, sessions and authorization codes (web sign-in) -----

  checkPassword(password: string) {
    return credentials.checkPassword(this, password);
  }
  createSession() {
    return credentials.createSession(this);
  }
  getSession(session: string) {
    return credentials.getSession(this, session);
  }
  deleteSession(session: string) {
    return credentials.deleteSession(this, session);
  }
  createAuthCode(input: credentials.AuthCodeInput) {
    return credentials.createAuthCode(this, input);
  }
  /** Exchanges an authorization code once; a reused code is refused (RFC 6749 §4.1.2). */
  exchangeCode(input: credentials.CodeExchange) {
    return credentials.exchangeCode(this, input);
  }

  // ----- statuses, interactions, polls, scheduled statuses -----

  postStatus(token: string, input: scheduled.PostInput) {
    return this.withViewer(token, "write:statuses", (v) => refuseIfMoved(v.account) ?? scheduled.postOrSchedule(this, v, input), "statuses");
  }
  editStatus(token: string, id: string, edit: statuses.EditDraft) {
    return this.withViewer(token, "write:statuses", (v) => statuses.editStatus(this, v, id, edit));
  }
  deleteStatus(token: string, id: string, deleteMedia = false) {
    return this.withViewer(token, "write:statuses", () => statuses.removeStatus(this, id, deleteMedia));
  }
  statusAction(token: string, action: interactions.StatusAction, id: string, options: interactions.ActionOptions = {}) {
    return this.withViewer(token, interactions.ACTION_SCOPES[action], (v) => interactions.act(this, v, action, id, options));
  }
  /** Quote posts on this account's statuses: revoke a quote, change who may quote. */
  quotes(token: string, op: QuoteOp) {
    return this.withViewer<{ quotingId: string } | ViewedStatus>(token, "write:statuses", (v) =>
      op.op === "revoke" ? quotes.revokeQuote(this, op.statusId, op.quotingId) : quotes.setQuotePolicy(this, v, op.statusId, op.policy),
    );
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

  // ----- social graph, lists, tags -----

  follow(token: string, id: string, options: graph.FollowOptions) {
    return this.withViewer(token, "write:follows", (v) => withDomainFlag(this, unlessDomainBlocked(this, id, () => graph.follow(this, v, id, options))));
  }
  unfollow(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => withDomainFlag(this, graph.unfollow(this, v, id)));
  }
  removeFromFollowers(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => withDomainFlag(this, graph.removeFromFollowers(this, v, id)));
  }
  followRequests(token: string, page: reads.Page) {
    return this.withViewer(token, "read:follows", () => ok(reads.followRequestsPage(this.sql, page)));
  }
  authorizeFollowRequest(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => withDomainFlag(this, graph.authorizeFollowRequest(this, v, id)));
  }
  rejectFollowRequest(token: string, id: string) {
    return this.withViewer(token, "write:follows", (v) => withDomainFlag(this, graph.rejectFollowRequest(this, v, id)));
  }
  block(token: string, id: string) {
    return this.withViewer(token, "write:blocks", (v) => withDomainFlag(this, graph.block(this, v, id)));
  }
  unblock(token: string, id: string) {
    return this.withViewer(token, "write:blocks", (v) => withDomainFlag(this, graph.unblock(this, v, id)));
  }
  blocks(token: string, page: reads.Page) {
    return this.withViewer(token, "read:blocks", () => ok(reads.blocksPage(this.sql, page)));
  }
  /** This account's own domain blocks: list, add (and what follows from it), remove. */
  domainBlocks(token: string, op: DomainBlockOp) {
    return this.withViewer(token, op.op === "list" ? "read:blocks" : "write:blocks", () => runDomainBlockOp(this, op));
  }
  mute(token: string, id: string, options: graph.MuteOptions) {
    return this.withViewer(token, "write:mutes", (v) => withDomainFlag(this, graph.mute(this, v, id, options)));
  }
  unmute(token: string, id: string) {
    return this.withViewer(token, "write:mutes", (v) => withDomainFlag(this, graph.unmute(this, v, id)));
  }
  mutes(token: string, page: reads.Page) {
    return this.withViewer(token, "read:mutes", () => ok(reads.mutesPage(this.sql, page)));
  }
  setNote(token: string, id: string, comment: string) {
    return this.withViewer(token, "write:accounts", (v) => withDomainFlag(this, graph.setNote(this, v, id, comment)));
  }
  endorse(token: string, id: string) {
    return this.withViewer(token, "write:accounts", (v) => withDomainFlag(this, graph.endorse(this, v, id)));
  }
  unendorse(token: string, id: string) {
    return this.withViewer(token, "write:accounts", (v) => withDomainFlag(this, graph.unendorse(this, v, id)));
  }
  endorsements(token: string, page: reads.Page) {
    return this.withViewer(token, "read:accounts", () => ok(reads.endorsementsPage(this.sql, page)));
  }
  relationships(token: string, ids: string[]) {
    return this.withViewer(token, "read:follows", async () => ok(await withDomainBlocking(this, graph.relationshipsOf(this.sql, ids))));
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
  suggestions(token: string, limit: number) {
    return this.withViewer(token, "read", async () => ok(await suggestions.suggestions(this, limit)));
  }
  dismissSuggestion(token: string, accountId: string) {
    return this.withViewer(token, "read", () => ok(suggestions.dismissSuggestion(this, accountId)));
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
  homeTimeline(token: string, window: IdWindow, o: Origin) {
    return this.withViewer(token, "read:statuses", (v) =>
      ok(
        this.keptPage(pageKey("home", window, o), () => {
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
  view(token: string, candidates: StatusRecord[], context: ViewContext, scope: string | null = "read:statuses") {
    return this.withViewer(token, scope, (v) => ok(feeds.viewCandidates(this.sql, v.account.id, candidates, context)));
  }
  /** Like `view`, for candidates given as snapshot JSON; answers each visible status's JSON text. */
  viewJson(token: string, snapshots: string[], context: ViewContext, o: Origin, scope: string | null = "read:statuses") {
    return this.withViewer(token, scope, (v) => ok(feeds.renderCandidates(this.sql, v.account.id, snapshots, context, o)));
  }
  notifications(token: string, query: notes.NotificationQuery, o: Origin) {
    return this.withViewer(token, "read:notifications", (v) =>
      ok(
        this.keptPage(pageKey("notifications", query, o), () => {
          const page = notes.readNotifications(this.sql, v.account.id, query);
          return { page: renderNotificationPage(page, o), statuses: page.notifications.flatMap((n) => (n.status ? [n.status] : [])) };
        }),
      ),
    );
  }
  notification(token: string, id: string) {
    return this.withViewer(token, "read:notifications", (v) => notes.getNotification(this.sql, v.account.id, id));
  }
  groupedNotifications(token: string, query: notes.GroupedQuery, o: Origin, options: { partial: boolean }) {
    return this.withViewer(token, "read:notifications", (v) =>
      ok(
        this.keptPage(pageKey("grouped", { query, options }, o), () => {
          const page = notes.readGroupedNotifications(this.sql, v.account.id, query);
          return { page: renderGroupedNotificationPage(page, o, options), statuses: page.statuses };
        }),
      ),
    );
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
  /** Notification policy and requests (filtered notifications per sender). */
  notificationRequests(token: string, op: NotificationRequestOp) {
    const scope = op.op === "policy" || op.op === "list" || op.op === "get" ? "read:notifications" : "write:notifications";
    return this.withViewer(token, scope, (v) => runNotificationRequestOp(this.sql, this.storage, v.account.id, op));
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

  // ----- featured collections and annual reports -----

  /** This account's own collections: create, update, delete, add and remove items. */
  collections(token: string, op: collections.CollectionOp) {
    return this.withViewer(token, "write:collections", () => collections.runCollectionOp(this, op));
  }
  /** Collections this account is featured in (`in_collections`). */
  inCollections(token: string, page: OffsetPage) {
    return this.withViewer(token, "read:collections", async () => ok(await collections.inCollections(this, page)));
  }
  /** Which of `ids` this account blocks: collections hide those items from it, as Mastodon's. */
  blockingAmong(token: string, ids: string[]) {
    return this.withViewer(token, null, () => ok(collections.blockingAmong(this.sql, ids)));
  }
  annualReports(token: string, op: AnnualReportOp) {
    const scope = op.op === "generate" || op.op === "read" ? "write:accounts" : op.op === "refresh" ? "read" : "read:accounts";
    return this.withViewer(token, scope, (v) => runAnnualReportOp(this, v.account.id, op));
  }

  // ----- media -----
  media(token: string, op: media.MediaOp) {
    // An upload was counted (media bucket) by the Worker's `authorize` before it stored the file.
    return this.withViewer(token, "write:media", () => media.runMediaOp(this, op), op.op === "add" ? false : null);
  }

  // ----- Web Push -----

  /** This token's push subscription: get, create (replacing), update alerts and policy, delete. */
  pushSubscription(token: string, op: PushOp) {
    return this.withViewer(token, "push", () => runPushOp(this, token, op));
  }

  // ----- data export and import (CSV, archive) -----

  /** One export or import op, for an API token or the settings pages' web session. */
  portability(caller: PortabilityCaller, op: PortabilityOp) {
    if ("session" in caller) return runAsSession(this, caller.session, op);
    return this.withViewer(caller.token, portabilityScope(op), () => runPortabilityOp(this, op));
  }

  // ----- search -----

  searchFor(token: string, input: search.SearchInput) {
    return this.withViewer(token, "read:search", async (v) => ok(await search.search(this, v, input)));
  }
  /** How the viewer relates to each hashtag (trending tags); any valid token will do. */
  tagRelations(token: string, names: string[]) {
    return this.withViewer(token, null, () => ok(names.map((name) => tags.tagRelation(this.sql, name))));
  }
}
