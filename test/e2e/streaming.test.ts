import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient, type mastodon } from "masto";
import generator, { type Entity, type WebSocketInterface } from "megalodon";
import { request } from "node:http";
import { startServer, type LocalServer } from "./server";

/**
 * Streaming with real client libraries against `npm start`: masto.js (one WebSocket, token in
 * Sec-WebSocket-Protocol, streams multiplexed with subscribe messages) and megalodon (one
 * WebSocket per stream, `?stream=&access_token=`). A post arrives as `update` on a follower's
 * user stream and on the public:local and hashtag streams, a favourite as `notification`, a
 * delete as `delete` — each within one second of the API call returning.
 */

const SCOPES = "read write follow push";
const WITHIN_MS = 1000;

interface Seen {
  stream: string;
  event: string;
  payload: unknown;
  at: number;
}

/** Collects events and waits for one, failing after `WITHIN_MS` from `since`. */
class Inbox {
  private readonly seen: Seen[] = [];
  private wake: (() => void)[] = [];

  push(stream: string, event: string, payload: unknown): void {
    this.seen.push({ stream, event, payload, at: Date.now() });
    for (const w of this.wake.splice(0)) w();
  }

  async wait(stream: string, event: string, match: (payload: any) => boolean, since: number, within = WITHIN_MS): Promise<Seen> {
    for (;;) {
      const hit = this.seen.find((s) => s.stream === stream && s.event === event && match(s.payload));
      if (hit) {
        expect(hit.at - since, `${event} on ${stream} took ${hit.at - since} ms`).toBeLessThanOrEqual(within);
        return hit;
      }
      const left = since + within - Date.now();
      if (left <= 0) throw new Error(`no ${event} on ${stream} within ${within} ms; saw ${JSON.stringify(this.seen.map((s) => [s.stream, s.event]))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

/** The status a WebSocket handshake gets (101, or the refusal's status). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Posts probes until every listed stream has seen one, so subscriptions are known live. */
async function untilLive(post: (text: string) => Promise<mastodon.v1.Status>, inbox: Inbox, streams: string[], tag: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const probe = await post(`probe #${tag}`);
    try {
      for (const stream of streams) await inbox.wait(stream, "update", (p) => p?.id === probe.id, Date.now(), 1500);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}

describe("streaming with masto and megalodon", () => {
  let server: LocalServer;
  let alice: mastodon.rest.Client;
  let bob: mastodon.rest.Client;
  let aliceToken: string;
  let bobToken: string;
  let aliceId: string;
  let streamingUrl: string;
  const tag = `stream${Date.now().toString(36)}`;

  async function signUp(username: string): Promise<{ client: mastodon.rest.Client; token: string }> {
    const anonymous = createRestAPIClient({ url: server.origin });
    const app = await anonymous.v1.apps.create({ clientName: "streaming e2e", redirectUris: "urn:ietf:wg:oauth:2.0:oob", scopes: SCOPES });
    const oauth = createOAuthAPIClient({ url: server.origin });
    const appToken = await oauth.token.create({ grantType: "client_credentials", clientId: app.clientId!, clientSecret: app.clientSecret!, scope: SCOPES });
    const registrar = createRestAPIClient({ url: server.origin, accessToken: appToken.accessToken });
    const token = await registrar.v1.accounts.create({ username, email: `${username}@example.com`, password: "correct horse battery", agreement: true, locale: "en" });
    return { client: createRestAPIClient({ url: server.origin, accessToken: token.accessToken }), token: token.accessToken };
  }

  beforeAll(async () => {
    server = await startServer();
    const suffix = Date.now().toString(36).slice(-5);
    ({ client: alice, token: aliceToken } = await signUp(`alice_${suffix}`));
    ({ client: bob, token: bobToken } = await signUp(`bob_${suffix}`));
    aliceId = (await alice.v1.accounts.verifyCredentials()).id;
    await bob.v1.accounts.$select(aliceId).follow();
    streamingUrl = (await alice.v2.instance.fetch()).configuration.urls.streaming;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("masto: update on user, public:local and hashtag; notification; delete (one multiplexed socket each)", async () => {
    const bobStream = createStreamingAPIClient({ streamingApiUrl: streamingUrl, accessToken: bobToken, retry: false });
    const aliceStream = createStreamingAPIClient({ streamingApiUrl: streamingUrl, accessToken: aliceToken, retry: false });
    const inbox = new Inbox();
    const listen = async (name: string, sub: mastodon.streaming.Subscription) => {
      try {
        for await (const e of sub) inbox.push(name, e.event, e.payload);
      } catch {
        // closed at the end of the test
      }
    };
    void listen("bob:user", bobStream.user.subscribe());
    void listen("bob:public:local", bobStream.public.local.subscribe());
    void listen("bob:hashtag", bobStream.hashtag.subscribe({ tag }));
    void listen("alice:notification", aliceStream.user.notification.subscribe());
    try {
      await untilLive((status) => alice.v1.statuses.create({ status }), inbox, ["bob:user", "bob:public:local", "bob:hashtag"], tag);

      const post = await alice.v1.statuses.create({ status: `hello #${tag}` });
      const posted = Date.now();
      for (const stream of ["bob:user", "bob:public:local", "bob:hashtag"]) {
        const seen = await inbox.wait(stream, "update", (p) => p?.id === post.id, posted);
        expect((seen.payload as mastodon.v1.Status).account.id).toBe(aliceId);
      }

      await bob.v1.statuses.$select(post.id).favourite();
      const favourited = Date.now();
      const n = await inbox.wait("alice:notification", "notification", (p) => p?.type === "favourite" && p?.status?.id === post.id, favourited);
      expect((n.payload as mastodon.v1.Notification).account?.acct).toMatch(/^bob_/);

      await alice.v1.statuses.$select(post.id).remove();
      const deleted = Date.now();
      await inbox.wait("bob:user", "delete", (p) => p === post.id, deleted);
      await inbox.wait("bob:public:local", "delete", (p) => p === post.id, deleted);
    } finally {
      bobStream.close();
      aliceStream.close();
    }
  });

  it("megalodon: one socket per stream with ?stream=&access_token=", async () => {
    const bobClient = generator("mastodon", server.origin, bobToken);
    const aliceClient = generator("mastodon", server.origin, aliceToken);
    const inbox = new Inbox();
    const sockets: WebSocketInterface[] = [];
    const open = async (name: string, socket: Promise<WebSocketInterface>) => {
      const ws = await socket;
      sockets.push(ws);
      const connected = new Promise<void>((resolve) => ws.on("connect", () => resolve()));
      ws.on("update", (s: Entity.Status) => inbox.push(name, "update", s));
      ws.on("notification", (n: Entity.Notification) => inbox.push(name, "notification", n));
      ws.on("delete", (id: string) => inbox.push(name, "delete", id));
      ws.on("error", () => undefined);
      ws.on("parser-error", () => undefined);
      await connected;
    };
    try {
      await open("bob:user", bobClient.userStreaming());
      await open("bob:local", bobClient.localStreaming());
      await open("bob:tag", bobClient.tagStreaming(tag));
      await open("alice:user", aliceClient.userStreaming());
      await untilLive((status) => alice.v1.statuses.create({ status }), inbox, ["bob:user", "bob:local", "bob:tag"], tag);

      const post = await alice.v1.statuses.create({ status: `megalodon #${tag}` });
      const posted = Date.now();
      for (const stream of ["bob:user", "bob:local", "bob:tag"]) await inbox.wait(stream, "update", (p) => p?.id === post.id, posted);

      await bob.v1.statuses.$select(post.id).favourite();
      const favourited = Date.now();
      await inbox.wait("alice:user", "notification", (p) => p?.type === "favourite" && p?.status?.id === post.id, favourited);

      await alice.v1.statuses.$select(post.id).remove();
      const deleted = Date.now();
      await inbox.wait("bob:user", "delete", (p) => p === post.id, deleted);
      await inbox.wait("bob:tag", "delete", (p) => p === post.id, deleted);
    } finally {
      for (const ws of sockets) ws.stop();
    }
  });

  it("refuses a missing or revoked token before the upgrade", async () => {
    expect(await upgradeStatus(`${server.origin}/api/v1/streaming?stream=user`)).toBe(401);
    expect(await upgradeStatus(`${server.origin}/api/v1/streaming?stream=user&access_token=${bobToken}x`)).toBe(401);
    expect(await upgradeStatus(`${server.origin}/api/v1/streaming?stream=user&access_token=${bobToken}`)).toBe(101);
    const sse = await fetch(`${server.origin}/api/v1/streaming/user?access_token=${bobToken}`);
    expect(sse.status).toBe(200);
    const reader = sse.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first.startsWith(":)")).toBe(true);
    await reader.cancel();
  });
});
