import type { Origin } from "../../core/serializers/account";
import { envelope, errorMessage, type Listener, type ListenerState, type StreamError, type StreamEventName, streamKey, type Subscription } from "./protocol";
import { SseClient } from "./sse";

/** Keeps attachments well below the platform's 16 KiB (a subscription is at most ~150 bytes). */
export const MAX_SUBSCRIPTIONS = 64;
/** Heartbeats answered by the runtime itself: a hibernated object is not woken for them. */
export const HEARTBEAT = { request: "ping", response: "pong" };

const tokenTag = (tokenHash: string) => `token:${tokenHash}`;

class SocketListener implements Listener {
  constructor(
    readonly ws: WebSocket,
    readonly state: ListenerState,
  ) {}
  send(sub: Subscription, event: StreamEventName, payload: string | undefined): void {
    try {
      this.ws.send(envelope(sub, event, payload));
    } catch {
      // Closing or closed: the close handler cleans up.
    }
  }
}

/**
 * The connections of one object: hibernatable WebSockets (accepted through `ctx`) plus the SSE
 * responses it is serving. Publishers pick subscriptions with a predicate and render the
 * payload once per origin; a renderer returning null drops the event for that connection.
 */
export class StreamHub {
  private readonly sse = new Set<SseClient>();
  /** Attachments already read (every event reads every socket's; the attachment stays the truth across hibernation). */
  private readonly states = new WeakMap<WebSocket, ListenerState>();
  /** The accepted sockets, asked of the runtime once per change: accepting, closing, waking from hibernation (a new instance). */
  private sockets: WebSocket[] | undefined;
  /** Serializes "tell the timeline objects what we listen to" calls so the last state wins. */
  private interestChain: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: DurableObjectState) {
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
  }

  /** Accepts a hibernatable WebSocket and answers the upgrade (echoing the subprotocol if any). */
  acceptSocket(state: ListenerState, protocol: string | null): { response: Response; ws: WebSocket } {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [tokenTag(state.tokenHash)]);
    this.sockets = undefined;
    this.saveState(server, state);
    const headers = protocol ? { "sec-websocket-protocol": protocol } : undefined;
    return { response: new Response(null, { status: 101, webSocket: client, headers }), ws: server };
  }

  openSse(state: ListenerState, onClose: (client: SseClient) => void): SseClient {
    const client = new SseClient(state, (c) => {
      this.sse.delete(c);
      onClose(c);
    });
    this.sse.add(client);
    return client;
  }

  /** The socket's state: its attachment, read once per socket while this instance lives. */
  stateOf(ws: WebSocket): ListenerState | null {
    let state = this.states.get(ws);
    if (!state) {
      state = (ws.deserializeAttachment() as ListenerState | null) ?? undefined;
      if (state) this.states.set(ws, state);
    }
    return state ?? null;
  }

  saveState(ws: WebSocket, state: ListenerState): void {
    ws.serializeAttachment(state);
    this.states.set(ws, state);
  }

  listeners(): Listener[] {
    const out: Listener[] = [];
    this.sockets ??= this.ctx.getWebSockets();
    for (const ws of this.sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const state = this.stateOf(ws);
      if (state) out.push(new SocketListener(ws, state));
    }
    for (const client of this.sse) out.push(client);
    return out;
  }

  /** Every stream key some open connection listens to. */
  activeKeys(): Set<string> {
    return new Set(this.listeners().flatMap((l) => l.state.subscriptions.map(streamKey)));
  }

  /**
   * Sends an event to every subscription that `matches`, rendering it with `render` once per
   * origin (and per distinct render key, when given). Returns how many deliveries were made.
   */
  publish(
    matches: (sub: Subscription, state: ListenerState) => boolean,
    event: StreamEventName,
    render: (origin: Origin, state: ListenerState) => string | undefined | null,
    renderKey: (state: ListenerState) => string = (s) => s.origin,
  ): number {
    const cache = new Map<string, string | undefined | null>();
    let sent = 0;
    for (const listener of this.listeners()) {
      const subs = listener.state.subscriptions.filter((s) => matches(s, listener.state));
      if (subs.length === 0) continue;
      const key = renderKey(listener.state);
      if (!cache.has(key)) cache.set(key, render({ origin: listener.state.origin, domain: listener.state.domain }, listener.state));
      const payload = cache.get(key);
      if (payload === null) continue;
      for (const sub of subs) {
        listener.send(sub, event, payload);
        sent++;
      }
    }
    return sent;
  }

  sendError(ws: WebSocket, error: StreamError): void {
    try {
      ws.send(errorMessage(error));
    } catch {
      // already closed
    }
  }

  /** A socket closed (the runtime told the object). */
  socketClosed(): void {
    this.sockets = undefined;
  }

  /** Closes every connection opened with this token (1008: policy violation, as on revocation). */
  closeToken(tokenHash: string): ListenerState[] {
    this.sockets = undefined;
    const closed: ListenerState[] = [];
    for (const ws of this.ctx.getWebSockets(tokenTag(tokenHash))) {
      const state = this.stateOf(ws);
      try {
        ws.close(1008, "Access token revoked");
      } catch {
        // already closing
      }
      if (state) closed.push(state);
    }
    for (const client of [...this.sse]) {
      if (client.state.tokenHash === tokenHash) {
        client.close();
        closed.push(client.state);
      }
    }
    return closed;
  }

  /** Runs `task` after the previous interest update finished (errors do not break the chain). */
  queueInterest(task: () => Promise<void>): Promise<void> {
    const next = this.interestChain.then(task).catch((err) => {
      console.error("stream interest update failed", err instanceof Error ? err.message : err);
    });
    this.interestChain = next;
    this.ctx.waitUntil(next);
    return next;
  }
}
