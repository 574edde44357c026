import type { Result } from "../../lib/result";

import { sha256Base64url } from "../../lib/crypto";
import { hasScope } from "../../lib/scopes";
import { publicTimelineStub, tagTimelineStub } from "../../core/stubs";
import { decodeStreamRequest } from "./handshake";
import { MAX_SUBSCRIPTIONS, StreamHub } from "./hub";
import { isHashtagStream, isPublicStream, type ListenerState, parseClientMessage, type Parsed, parseSubscription, StreamError, streamKey, streamScope, type Subscription, userStreamsFor } from "./protocol";
import { registerUserPublisher, type PublicEvent, type UserEvent } from "./user-events";
import { conversationPayload, notificationPayload, statusPayload, viewAdmitted, viewForStream } from "./render";
import type { Viewer } from "../../schemas/auth";

/** What the account object offers its streams (AccountObject satisfies it). */
export interface StreamingAccount {
  readonly sql: SqlStorage;
  readonly env: Env;
  accountId(): string;
  authorize(token: string, scope: string | null): Promise<Result<Viewer>>;
}

const SCOPE_ERROR = new StreamError(401, "Access token does not cover required scopes");

/**
 * The streams of one account object: accepting WebSockets (hibernatable) and SSE responses,
 * subscriptions, publishing the account's own events, receiving public/hashtag events from
 * timeline objects, and telling those objects which of their streams this account listens to.
 */
export class AccountStreams {
  readonly hub: StreamHub;

  constructor(
    ctx: DurableObjectState,
    private readonly host: StreamingAccount,
  ) {
    this.hub = new StreamHub(ctx);
    registerUserPublisher(host.sql, this);
  }

  // ----- connections -----

  /** Serves a forwarded `/api/v1/streaming` request (WebSocket upgrade or SSE). */
  async open(request: Request): Promise<Response> {
    const r = decodeStreamRequest(request);
    if (!r) return errorResponse(new StreamError(400, "Bad streaming request"));
    const viewer = await this.host.authorize(r.token, null);
    if (!viewer.ok) return errorResponse(new StreamError(viewer.status, viewer.error));
    const scopes = viewer.value.token.scopes;
    if (!hasScope(scopes, "read:statuses") && !hasScope(scopes, "read:notifications")) return errorResponse(SCOPE_ERROR);
    const state: ListenerState = {
      tokenHash: await sha256Base64url(r.token),
      accountId: viewer.value.account.id,
      origin: r.origin,
      domain: r.domain,
      scopes,
      subscriptions: [],
    };
    const initial = r.stream ? this.check(state, parseSubscription(r.stream.stream, r.stream)) : null;
    if (r.mode === "sse") return this.openSse(state, initial);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return errorResponse(new StreamError(400, "Expected a WebSocket upgrade"));
    return this.openSocket(state, initial, r.protocol);
  }

  /** SSE serves exactly one stream: a bad one is an HTTP error. */
  private openSse(state: ListenerState, initial: Parsed<Subscription> | null): Response {
    if (!initial) return errorResponse(new StreamError(400, "Unknown stream type"));
    if (!initial.ok) return errorResponse(initial.error);
    state.subscriptions = [initial.value];
    const client = this.hub.openSse(state, (c) => this.syncInterest(c.state.subscriptions));
    this.syncInterest(state.subscriptions);
    return client.response();
  }

  /** A WebSocket opens even with a bad first stream: the error is its first message. */
  private openSocket(state: ListenerState, initial: Parsed<Subscription> | null, protocol: string | null): Response {
    if (initial?.ok) state.subscriptions = [initial.value];
    const { response, ws } = this.hub.acceptSocket(state, protocol);
    if (initial && !initial.ok) this.hub.sendError(ws, initial.error);
    this.syncInterest(state.subscriptions);
    return response;
  }

  /** A text frame from a client: subscribe or unsubscribe. Errors are answered, never fatal. */
  message(ws: WebSocket, message: string | ArrayBuffer): void {
    const state = this.hub.stateOf(ws);
    if (!state) return;
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.hub.sendError(ws, parsed.error);
    const { type, subscription } = parsed.value;
    const key = streamKey(subscription);
    const current = state.subscriptions.findIndex((s) => streamKey(s) === key);
    if (type === "unsubscribe") {
      if (current < 0) return;
      state.subscriptions.splice(current, 1);
    } else {
      if (current >= 0) return;
      const checked = this.check(state, { ok: true, value: subscription });
      if (!checked.ok) return this.hub.sendError(ws, checked.error);
      if (state.subscriptions.length >= MAX_SUBSCRIPTIONS) return this.hub.sendError(ws, new StreamError(400, "Too many subscriptions"));
      state.subscriptions.push(subscription);
    }
    this.hub.saveState(ws, state);
    this.syncInterest([subscription]);
  }

  closed(ws: WebSocket, code: number, reason: string): void {
    this.hub.socketClosed();
    const state = this.hub.stateOf(ws);
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, reason);
    } catch {
      // the runtime already answered the close
    }
    if (state) this.syncInterest(state.subscriptions);
  }

  /** Revocation: every connection opened with a token that no longer exists is closed. */
  closeRevoked(tokenHash: string): number {
    if (this.host.sql.exec("SELECT 1 FROM tokens WHERE hash = ?", tokenHash).toArray().length) return 0;
    const closed = this.hub.closeToken(tokenHash);
    this.syncInterest(closed.flatMap((state) => state.subscriptions));
    return closed.length;
  }

  /** Scope and ownership checks for adding a stream. */
  private check(state: ListenerState, parsed: Parsed<Subscription>): Parsed<Subscription> {
    if (!parsed.ok) return parsed;
    const sub = parsed.value;
    if (!hasScope(state.scopes, streamScope(sub.stream))) return { ok: false, error: SCOPE_ERROR };
    if (sub.stream === "list" && !this.host.sql.exec("SELECT 1 FROM lists WHERE id = ?", sub.param!).toArray().length) {
      return { ok: false, error: new StreamError(401, "Not authorized to stream this list") };
    }
    return parsed;
  }

  // ----- the account's own events -----

  /** Sends now, or (the default) once the current synchronous work, e.g. a transaction, is over. */
  publishUser(event: UserEvent, now = false): void {
    if (!this.hasListeners(targetStreams(event))) return;
    // Deletes name lists now: the rows that say where the status was are about to go.
    const lists = event.event === "delete" ? this.listsHolding(event.id) : null;
    const send = () => {
      try {
        this.sendUser(event, lists);
      } catch (err) {
        console.error("stream publish failed", err instanceof Error ? err.message : err);
      }
    };
    if (now) send();
    else queueMicrotask(send);
  }

  private sendUser(event: UserEvent, lists: Set<string> | null): void {
    const sql = this.host.sql;
    const me = this.host.accountId();
    switch (event.event) {
      case "update":
      case "status.update": {
        const stream = event.list ? "list" : "user";
        const admitted = !event.list ? event.committed : undefined;
        if (!admitted && !this.holds(event.status.id, event.list, event.event === "status.update")) return;
        const viewed = admitted?.visible
          ? viewAdmitted(sql, me, event.status, admitted.hasFilters, admitted.flags)
          : viewForStream(sql, me, event.status, stream === "list" ? "list" : "home");
        if (!viewed) return;
        this.hub.publish(
          (s) => s.stream === stream && (stream === "user" || s.param === event.list),
          event.event,
          (o) => statusPayload(viewed, o),
        );
        return;
      }
      case "delete":
        this.hub.publish((s) => s.stream === "user" || (s.stream === "list" && lists!.has(s.param!)), "delete", () => event.id);
        return;
      case "notification": {
        const rendered = notificationPayload(sql, me, event.id);
        if (!rendered) return;
        this.hub.publish((s, st) => this.wantsNotifications(s, st), "notification", (o) => rendered(o));
        return;
      }
      case "notifications_merged":
        this.hub.publish((s, st) => this.wantsNotifications(s, st), "notifications_merged", () => "1");
        return;
      case "conversation": {
        const rendered = conversationPayload(sql, me, event.conversationId);
        if (!rendered) return;
        this.hub.publish((s) => s.stream === "direct", "conversation", (o) => rendered(o));
        return;
      }
      case "filters_changed":
        this.hub.publish((s) => s.stream === "user", "filters_changed", () => undefined);
        return;
    }
  }

  /** The `user` stream carries notifications only for tokens that may read them (as Mastodon). */
  private wantsNotifications(s: Subscription, state: ListenerState): boolean {
    if (s.stream === "user:notification") return true;
    return s.stream === "user" && hasScope(state.scopes, "read:notifications");
  }

  /** Is the status (or, for edits, a boost of it) in the home timeline or the list? */
  private holds(statusId: string, list: string | undefined, orBoost: boolean): boolean {
    const where = orBoost ? "(id = ? OR reblog_of_id = ?)" : "(id = ? OR id = ?)";
    const query = list
      ? this.host.sql.exec(`SELECT 1 FROM list_entries WHERE list_id = ? AND ${where} LIMIT 1`, list, statusId, statusId)
      : this.host.sql.exec(`SELECT 1 FROM home WHERE ${where} LIMIT 1`, statusId, statusId);
    return query.toArray().length > 0;
  }

  private listsHolding(statusId: string): Set<string> {
    const rows = this.host.sql
      .exec<{ list_id: string }>("SELECT DISTINCT list_id FROM list_entries WHERE id = ? OR reblog_of_id = ?", statusId, statusId)
      .toArray();
    return new Set(rows.map((r) => r.list_id));
  }

  /** Someone listens to this account's `user` stream (its home). */
  listensToHome(): boolean {
    return this.hasListeners(["user"]);
  }

  private hasListeners(streams: readonly string[]): boolean {
    return this.hub.listeners().some((l) => l.state.subscriptions.some((s) => streams.includes(s.stream)));
  }

  // ----- public and hashtag events, pushed by timeline objects -----

  /** Delivers a timeline's event; returns the keys this account still listens to. */
  deliverPublic(event: PublicEvent): string[] {
    const active = this.hub.activeKeys();
    const wanted = new Set(event.keys.filter((k) => active.has(k)));
    if (wanted.size === 0) return [];
    const matches = (s: Subscription) => wanted.has(streamKey(s));
    if (event.event === "delete") {
      this.hub.publish(matches, "delete", () => event.id);
      return [...wanted];
    }
    const viewed = viewForStream(this.host.sql, this.host.accountId(), event.status, "public");
    if (viewed) this.hub.publish(matches, event.event, (o) => statusPayload(viewed, o));
    return [...wanted];
  }

  /**
   * Tells the timeline objects which of their streams this account listens to, for the given
   * subscriptions, from the current state of every connection. Queued, so the last state wins.
   */
  private syncInterest(subs: Subscription[]): void {
    const keys = [...new Set(subs.filter((s) => isPublicStream(s.stream) || isHashtagStream(s.stream)).map(streamKey))];
    if (keys.length === 0) return;
    void this.hub.queueInterest(async () => {
      const active = this.hub.activeKeys();
      const me = this.host.accountId();
      await Promise.all(
        keys.map((key) => {
          const stub = timelineOf(this.host.env, key);
          return active.has(key) ? stub.watchStream(me, key) : stub.unwatchStream(me, key);
        }),
      );
    });
  }
}

/** The streams an event for the account itself may reach. */
function targetStreams(event: UserEvent): string[] {
  if (event.event === "delete") return ["user", "list"];
  if ((event.event === "update" || event.event === "status.update") && event.list) return ["list"];
  return userStreamsFor(event.event);
}

/** The timeline object that publishes a stream key (`public:local`, `hashtag#foo`...). */
function timelineOf(env: Env, key: string) {
  const hash = key.indexOf("#");
  return hash < 0 ? publicTimelineStub(env) : tagTimelineStub(env, key.slice(hash + 1));
}

function errorResponse(error: StreamError): Response {
  return Response.json({ error: error.message }, { status: error.status });
}
