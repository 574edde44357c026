
import type { Listener, ListenerState, StreamEventName, Subscription } from "./protocol";

/** Comment line sent every HEARTBEAT_MS so proxies and clients see the connection alive. */
export const SSE_HEARTBEAT_MS = 15_000;

const encoder = new TextEncoder();

/**
 * One server-sent-events response (Mastodon's SSE streaming: `:)` first, then
 * `event: <name>\ndata: <payload>\n\n` frames and a `:thump` comment as heartbeat). Unlike
 * WebSockets an SSE response cannot hibernate: the object stays in memory while it is open.
 */
export class SseClient implements Listener {
  readonly body: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    readonly state: ListenerState,
    private readonly onClose: (client: SseClient) => void,
  ) {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
        this.write(":)\n");
        this.heartbeat = setInterval(() => this.write(":thump\n"), SSE_HEARTBEAT_MS);
      },
      cancel: () => this.finish(),
    });
  }

  response(): Response {
    return new Response(this.body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "private, no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  send(_sub: Subscription, event: StreamEventName, payload: string | undefined): void {
    // filters_changed has no payload; `null` keeps every client's JSON parser happy.
    this.write(`event: ${event}\ndata: ${payload ?? "null"}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller?.close();
    } catch {
      // already errored
    }
    this.finish();
  }

  private write(text: string): void {
    if (this.closed || !this.controller) return;
    try {
      this.controller.enqueue(encoder.encode(text));
    } catch {
      this.finish();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.onClose(this);
  }
}
