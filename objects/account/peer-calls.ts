import { ok, fail, mapResult, type Result } from "../../lib/result";
import type { Page } from "../../schemas/paging";
import {
  isListedAccount,
  snapshotEntries,
  type AccountSnapshot,
  type FeaturedTagRecord,
  type ModerationChange,
  type ModerationView,
  type SnapshotEntry,
  type StatusRecord,
} from "../../schemas/records";
import type { OutgoingSignatureInput } from "../../lib/federation/http-signatures-cavage";
import { signAs } from "../federation/signing";
import type { PublicEvent } from "../streams/user-events";
import { AccountState } from "./account-state";
import * as profileUpdates from "./profile-updates";
import * as moderation from "./moderation";
import { receiveAdminNotification, type AdminNotification } from "./admin-notifications";
import * as graph from "./graph";
import * as reads from "./graph-reads";
import * as tags from "./tags";
import { recentStatusesFor } from "./backfill";
import { refreshAccountCopy, type RemoteInboxes } from "./profile-copies";
import { actorData, type ActorData } from "./activitypub";
import { actorDocument } from "../../core/activitypub/actor";
import type { Origin } from "../../core/serializers/account";
import * as home from "./home";
import * as deliveries from "./deliveries";

import * as statuses from "./statuses";
import * as interactions from "./interactions";
import * as quotes from "./quotes";
import type { QuoteChange } from "./quote-rules";
import * as quoteFederation from "./quote-federation";
import type { QuoteRequestRef } from "../../core/activitypub/quotes";
import * as federationOut from "./federation-out";
import * as federationIn from "./federation-in";
import * as collections from "./collections";
import { receiveFeaturedChange, type FeaturedChange } from "./collection-notices";
import type { OffsetPage } from "../../schemas/collections";
import { forgetDeletedAccount, signerRow } from "./deletion";
import { blockMoved } from "./moving";
import type { AccountStatusesQuery, Interaction, StatusDeleted, WatchedChange } from "../../schemas/calls";

/**
 * The account object's calls that carry no caller's token: from other objects (the directory,
 * authors' objects, timelines, remote actors, the inbox) and the runtime's streaming hooks.
 * Reads that take an unverified `viewerId` (statuses, collections) are also called by the
 * Worker, which must pass their result through the viewer's `view(token, ...)` before answering.
 */
export abstract class AccountPeerCalls extends AccountState {

  // ----- moderation: the directory approves and rejects registrations -----

  /** The record with what only moderators see, or null if no account lives here. */
  async moderationView(): Promise<ModerationView | null> {
    return moderation.moderationView(this);
  }
  /** A moderator's action, decided by the directory (moderation.ts). */
  async moderate(change: ModerationChange): Promise<Result<ModerationView>> {
    return moderation.applyModeration(this, change);
  }
  /** A new sign-up or report, for a moderator (admin-notifications.ts). */
  async receiveAdminNotification(n: AdminNotification): Promise<void> {
    await receiveAdminNotification(this, n);
  }
  /** Own statuses by id whatever the account's state: what moderators read in a report. */
  async reportedStatuses(ids: string[]): Promise<StatusRecord[]> {
    return statuses.statusesFor(this, ids, this.record()?.id ?? null, true);
  }
  /** Lets an account registered in approval mode use its tokens and sign in. Idempotent. */
  async approve() {
    return profileUpdates.approve(this);
  }
  /**
   * Empties this object of a registration that was never approved (Mastodon deletes a rejected
   * user): all storage goes, then the schema is recreated so the object stays usable. Idempotent.
   */
  async eraseUnapproved(): Promise<Result<true>> {
    const account = this.record();
    if (!account) return ok(true);
    if (account.approved) return fail(403, "This action is not allowed");
    await this.resetStorage();
    return ok(true);
  }
  async statusesFor(ids: string[], viewerId: string | null): Promise<StatusRecord[]> {
    return statuses.statusesFor(this, ids, viewerId);
  }
  async accountStatuses(viewerId: string | null, query: AccountStatusesQuery) {
    return statuses.accountStatuses(this, viewerId, query);
  }
  /** statusesFor and accountStatuses as snapshot JSON, for readers that render (worker/http/viewed.ts). */
  async statusSnapshotsFor(ids: string[], viewerId: string | null): Promise<SnapshotEntry[]> {
    return snapshotEntries(statuses.statusesFor(this, ids, viewerId));
  }
  async accountStatusSnapshots(viewerId: string | null, query: AccountStatusesQuery): Promise<Result<SnapshotEntry[]>> {
    return mapResult(statuses.accountStatuses(this, viewerId, query), snapshotEntries);
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
  receiveInteraction(interaction: Interaction, actor: AccountSnapshot) {
    return interactions.receiveInteraction(this, interaction, actor);
  }
  receiveWatchedChange(change: WatchedChange) {
    return interactions.applyWatchedChange(this, change);
  }
  /** Quote posts (quotes.ts): the quoted author's list and records, the quoting author's updates. */
  async statusQuotes(id: string, viewerId: string | null, page: Page) {
    return quotes.statusQuotes(this, id, viewerId, page);
  }
  async quoteAuthorization(statusId: string, quotingId: string) {
    return quotes.quoteAuthorization(this, statusId, quotingId);
  }
  async quoteStampHolds(statusId: string, key: string, quotingUri: string) {
    return quotes.quoteStampHolds(this, statusId, key, quotingUri);
  }
  /** A remote account's QuoteRequest of one of our statuses (objects/federation/handlers/quote-request.ts). */
  async receiveQuoteRequest(statusId: string, request: QuoteRequestRef, requester: AccountSnapshot & { uri: string }) {
    return quoteFederation.receiveQuoteRequest(this, statuses.statusesFor(this, [statusId], requester.id)[0], request, requester);
  }
  receiveQuoteAnswer(quotingId: string, sender: { id: string; uri: string }, accepted: boolean, stamp: string | null) {
    return quotes.receiveQuoteAnswer(this, quotingId, sender, accepted, stamp);
  }
  receiveQuoteRevoked(quotingId: string, senderId: string, stamp: string) {
    return quotes.receiveQuoteRevoked(this, quotingId, senderId, stamp);
  }
  receiveQuote(quoting: StatusRecord) {
    return quotes.receiveQuote(this, quoting);
  }
  receiveUnquote(quotedId: string, quotingId: string) {
    return quotes.receiveUnquote(this, quotedId, quotingId);
  }
  receiveQuoteChange(quotingId: string, quotedId: string, change: QuoteChange) {
    return quotes.receiveQuoteChange(this, quotingId, quotedId, change);
  }
  receivePollEnded(status: StatusRecord) {
    return interactions.receivePollEnded(this, status);
  }
  /** This account's followers, following or endorsed accounts, as `viewerId` may see them. */
  async collection(which: reads.Collection, viewerId: string | null, page: reads.Page) {
    return reads.collectionPage(this, which, viewerId, page);
  }
  /** The featured tags on this account's profile (public), or 404. */
  async publicFeaturedTags(): Promise<Result<FeaturedTagRecord[]>> {
    const me = this.record();
    return isListedAccount(me) ? ok(tags.featuredTags(this.sql)) : fail(404, graph.NOT_FOUND);
  }
  receiveFollow(follower: AccountSnapshot) {
    return graph.receiveFollow(this, follower);
  }
  receiveUnfollow(followerId: string) {
    return graph.receiveUnfollow(this, followerId);
  }
  followerRemoved(followeeId: string) {
    return graph.followerRemoved(this, followeeId);
  }
  followAccepted(followee: AccountSnapshot) {
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
  async recentStatusesFor(viewerId: string): Promise<StatusRecord[]> {
    return this.record() ? recentStatusesFor(this.sql, viewerId) : [];
  }
  async followersAmong(candidateIds: string[]) {
    return reads.followersAmong(this, candidateIds);
  }
  /** Another account's profile changed: refresh our copies of it, and a remote follower's inboxes (objects/account/profile-copies.ts). */
  async refreshAccountCopy(snapshot: AccountSnapshot, inboxes?: RemoteInboxes): Promise<void> {
    refreshAccountCopy(this.sql, snapshot, inboxes);
  }

  // ----- fan-out receivers: called by authors' objects and hashtag timelines; all idempotent -----

  /** `status` as JSON is the cheap form between objects (fan-out sends that). */
  async receiveStatus(status: StatusRecord | string, via: home.Delivery = "author", participants?: AccountSnapshot[], streamed = false): Promise<void> {
    if (this.record()) home.receiveStatus(this, status, via, participants, streamed);
  }
  /** A followed author's new status, live listeners first (home.ts `streamStatus`): "streamed" asks for a second call to store it. */
  async streamStatus(json: string, participants?: AccountSnapshot[]): Promise<"streamed" | "stored"> {
    return this.record() ? home.streamStatus(this, json, participants) : "stored";
  }
  async receiveStatusUpdate(status: StatusRecord, quiet = false): Promise<void> {
    if (this.record()) await deliveries.receiveStatusUpdate(this, status, quiet);
  }
  async receiveStatusDelete(deleted: StatusDeleted): Promise<void> {
    if (this.record()) deliveries.receiveStatusDelete(this, deleted);
  }
  /** Several of one remote author's statuses at once, in order (a JSON `FanoutOp[]`: one call, a cheap string to pass). */
  async receiveFanout(ops: string): Promise<void> {
    if (this.record()) await deliveries.receiveFanout(this, ops);
  }

  // ----- federation -----

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
  /** An account this one blocks moved (moving.ts): block the account it moved to as well. */
  blockMoved(fromId: string, toId: string) {
    return blockMoved(this, fromId, toId);
  }
  /** A related local account deleted itself: forget it here (deletion.ts). */
  async forgetDeletedAccount(accountId: string): Promise<void> {
    if (this.record()) forgetDeletedAccount(this, accountId);
  }
  /** Inputs of the actor document besides the record (objects/account/activitypub.ts); null if no account lives here. */
  async federationActor(): Promise<ActorData | null> {
    return actorData(this.sql, this.record());
  }
  /** The actor document as JSON text (`GET /users/:name`), kept until a write that may change it. */
  async federationActorJson(o: Origin): Promise<string | null> {
    const record = this.record();
    if (!record || !record.approved) return null;
    const origin = `${o.origin} ${o.domain} ${o.mediaOrigin ?? ""}`;
    if (this.actorJson?.origin !== origin) {
      const data = actorData(this.sql, record)!;
      this.actorJson = { origin, json: JSON.stringify(actorDocument(record, o, data.ed25519PublicMultibase)) };
    }
    return this.actorJson.json;
  }
  /** Signs an outgoing request with this account's RSA key (the key never leaves this object). */
  async signRequest(input: OutgoingSignatureInput): Promise<Result<Record<string, string>>> {
    // A deleted account still signs the retries of its last deliveries (deletion.ts).
    const row = signerRow(this.sql);
    if (!row) return fail(404, "Record not found");
    const jwk = this.sql.exec<{ rsa_private_jwk: string }>("SELECT rsa_private_jwk FROM keys WHERE id = 1").one().rsa_private_jwk;
    return signAs(this, jwk, `/users/${row.username}`, input);
  }

  // ----- featured collections: reads with an unverified viewer, and the featured side -----

  async collectionFor(id: string, viewerId: string | null) {
    return collections.collectionFor(this, id, viewerId);
  }
  async collectionsOf(viewerId: string | null, page: OffsetPage) {
    return collections.collectionsOf(this, viewerId, page);
  }
  async collectionsByIds(ids: string[], viewerId: string) {
    return collections.collectionsByIds(this, ids, viewerId);
  }
  /** The featured account (`callerId`, authenticated by the Worker) takes itself out of a collection. */
  async revokeCollectionItem(collectionId: string, itemId: string, callerId: string) {
    return collections.revokeItem(this, collectionId, itemId, callerId);
  }
  /** A collection owner's notice that this account was featured in, or taken out of, a collection. */
  async receiveFeaturedChange(change: FeaturedChange): Promise<void> {
    receiveFeaturedChange(this, change);
  }

  // ----- streaming -----

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
}
