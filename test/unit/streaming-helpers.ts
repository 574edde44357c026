import { env, runInDurableObject, SELF } from "cloudflare:test";
import { expect } from "vitest";
import { BASE } from "./helpers";
import type { TimelineObject } from "../../objects/timeline/timeline-object";

/** Helpers of the streaming tests: real WebSockets through the Worker, and SSE bodies. */

export interface StreamMessage {
  stream?: string[];
  event?: string;
  payload?: string;
  error?: string;
  status?: number;
}

/** A client-side WebSocket with a queue of received messages. */
export class TestSocket {
  private readonly queue: (StreamMessage | string)[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      const text = typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer);
      let parsed: StreamMessage | string = text;
      try {
        parsed = JSON.parse(text) as StreamMessage;
      } catch {
        // plain text (pong)
      }
      this.queue.push(parsed);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })));
  }

  send(data: unknown): void {
    this.ws.send(typeof data === "string" ? data : JSON.stringify(data));
  }

  subscribe(stream: string, params: Record<string, string> = {}): void {
    this.send({ type: "subscribe", stream, ...params });
  }

  unsubscribe(stream: string, params: Record<string, string> = {}): void {
    this.send({ type: "unsubscribe", stream, ...params });
  }

  /** The first message matching `match`, taken out of the queue (other messages stay). */
  async next(match: (m: StreamMessage) => boolean = () => true, timeoutMs = 3000): Promise<StreamMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex((m) => typeof m !== "string" && match(m));
      if (i >= 0) return this.queue.splice(i, 1)[0] as StreamMessage;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.queue.map((m) => (typeof m === "string" ? m : { stream: m.stream, event: m.event, error: m.error }));
        throw new Error(`no matching stream message in time; queued ${JSON.stringify(seen)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next raw text frame (for the heartbeat's "pong"). */
  async nextText(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queue.findIndex((m) => typeof m === "string");
      if (i >= 0) return this.queue.splice(i, 1)[0] as string;
      if (Date.now() > deadline) throw new Error("no text frame in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Fails if a message matching `match` arrives within `ms`. */
  async none(match: (m: StreamMessage) => boolean, ms = 400): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
    const hit = this.queue.find((m) => typeof m !== "string" && match(m));
    expect(hit, `unexpected message ${JSON.stringify(hit)}`).toBeUndefined();
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

/** Opens `/api/v1/streaming?<query>` as a WebSocket; returns the handshake response too. */
export async function openSocket(query: string, headers: Record<string, string> = {}): Promise<{ res: Response; socket: TestSocket | null }> {
  const res = await SELF.fetch(`${BASE}/api/v1/streaming${query ? `?${query}` : ""}`, { headers: { upgrade: "websocket", ...headers } });
  return { res, socket: res.webSocket ? new TestSocket(res.webSocket) : null };
}

export async function connect(token: string, query = ""): Promise<TestSocket> {
  const { res, socket } = await openSocket(`${query}${query ? "&" : ""}access_token=${encodeURIComponent(token)}`);
  if (res.status !== 101) throw new Error(`handshake: ${res.status} ${await res.text()}`);
  return socket!;
}

export const forEvent = (event: string, stream?: string[]) => (m: StreamMessage) =>
  m.event === event && (!stream || JSON.stringify(m.stream) === JSON.stringify(stream));

export function payloadOf<T = any>(m: StreamMessage): T {
  expect(typeof m.payload).toBe("string");
  return JSON.parse(m.payload!) as T;
}

const timelineStub = (key: string): DurableObjectStub<TimelineObject> => {
  const hash = key.indexOf("#");
  const name = hash < 0 ? "public" : `tag:${key.slice(hash + 1)}`;
  return env.TIMELINE.get(env.TIMELINE.idFromName(name));
};

export function watchers(key: string): Promise<string[]> {
  return runInDurableObject(timelineStub(key), (o: TimelineObject) =>
    o.sql.exec<{ account_id: string }>("SELECT account_id FROM stream_watchers WHERE stream = ?", key).toArray().map((r) => r.account_id),
  );
}

/** Waits until the timeline object knows that `accountId` listens to `key` (or no longer does). */
export async function untilWatching(key: string, accountId: string, wanted = true): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((await watchers(key)).includes(accountId) !== wanted) {
    if (Date.now() > deadline) throw new Error(`watcher ${accountId} on ${key} not ${wanted ? "registered" : "removed"}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Reads an SSE body until `until` matches the text so far. */
export async function readSse(body: ReadableStream<Uint8Array>, until: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(text)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`SSE: no match in time; got ${JSON.stringify(text)}`);
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
      if (chunk === null) continue;
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}
