import { describe, expect, it } from "vitest";
import { api, bearer, createAppToken, issueToken, registerUser, uniqueName } from "./helpers";
import { runInDurableObject, env } from "cloudflare:test";
import { connect, openSocket, readSse } from "./streaming-helpers";
import type { AccountObject } from "../../objects/account/account-object";

const listenerCount = (accountId: string) =>
  runInDurableObject(env.ACCOUNT.get(env.ACCOUNT.idFromName(accountId)), (o: AccountObject) => o.streams.hub.listeners().length);

/** The streaming handshake and protocol: tokens, refusals, subscribe/unsubscribe, errors. */

describe("GET /api/v1/streaming handshake", () => {
  it("accepts the token as ?access_token=", async () => {
    const u = await registerUser(uniqueName("ws"));
    const { res, socket } = await openSocket(`stream=user&access_token=${u.token}`);
    expect(res.status).toBe(101);
    expect(socket).not.toBeNull();
    socket!.close();
  });

  it("accepts the token as Authorization: Bearer", async () => {
    const u = await registerUser(uniqueName("ws"));
    const { res, socket } = await openSocket("stream=user", bearer(u.token));
    expect(res.status).toBe(101);
    socket!.close();
  });

  it("accepts the token as Sec-WebSocket-Protocol and echoes it", async () => {
    const u = await registerUser(uniqueName("ws"));
    const { res, socket } = await openSocket("", { "sec-websocket-protocol": u.token });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe(u.token);
    socket!.close();
  });

  it("refuses the upgrade with 401 without a token or with a bad one", async () => {
    const u = await registerUser(uniqueName("ws"));
    const app = await createAppToken(["read"]);
    const cases: [string, Record<string, string>][] = [
      ["stream=public", {}],
      ["stream=user&access_token=nonsense", {}],
      [`stream=user&access_token=${u.token.slice(0, -2)}xx`, {}],
      [`stream=user&access_token=u9999999.${"a".repeat(43)}`, {}],
      [`stream=public&access_token=${app.token}`, {}],
      ["stream=user", { "sec-websocket-protocol": "not-a-token" }],
    ];
    for (const [query, headers] of cases) {
      const { res, socket } = await openSocket(query, headers);
      expect(res.status, query).toBe(401);
      expect(socket).toBeNull();
      expect(typeof (await res.json<any>()).error).toBe("string");
    }
  });

  it("refuses a token that may read nothing (401) and asks for an upgrade on plain GET", async () => {
    const u = await registerUser(uniqueName("ws"), { scopes: ["write"] });
    const { res } = await openSocket(`stream=user&access_token=${u.token}`);
    expect(res.status).toBe(401);
    expect((await res.json<any>()).error).toBe("Access token does not cover required scopes");
    const plain = await api(`/api/v1/streaming?stream=user&access_token=${u.token}`);
    expect(plain.status).toBe(400);
  });

  it("answers the text heartbeat without the object (auto-response)", async () => {
    const u = await registerUser(uniqueName("ws"));
    const socket = await connect(u.token, "stream=user");
    socket.send("ping");
    expect(await socket.nextText()).toBe("pong");
    // The runtime answered (it records when), so a hibernated object is not woken for it.
    const answered = await runInDurableObject(env.ACCOUNT.get(env.ACCOUNT.idFromName(u.id)), (_o: AccountObject, ctx) =>
      ctx.getWebSockets().map((ws) => ctx.getWebSocketAutoResponseTimestamp(ws)),
    );
    expect(answered).toHaveLength(1);
    expect(answered[0]).toBeInstanceOf(Date);
    socket.close();
  });
});

describe("streaming protocol errors", () => {
  it("reports an unknown first stream on the socket instead of dropping it", async () => {
    const u = await registerUser(uniqueName("ws"));
    const socket = await connect(u.token, "stream=nope");
    expect(await socket.next((m) => !!m.error)).toEqual({ error: "Unknown stream type", status: 400 });
    // The socket is still usable.
    socket.send("ping");
    expect(await socket.nextText()).toBe("pong");
    socket.close();
  });

  it("reports bad messages, unknown streams and missing parameters", async () => {
    const u = await registerUser(uniqueName("ws"));
    const socket = await connect(u.token);
    const cases: [unknown, string][] = [
      ["{not json", "Error parsing JSON"],
      [[1, 2], "Invalid message"],
      [{ type: "dance", stream: "user" }, "Unknown message type"],
      [{ type: "subscribe", stream: "timeline" }, "Unknown stream type"],
      [{ type: "subscribe", stream: "hashtag" }, "Missing tag name parameter"],
      [{ type: "subscribe", stream: "hashtag:local", tag: "" }, "Missing tag name parameter"],
      [{ type: "subscribe", stream: "list" }, "Missing list name parameter"],
      [{ type: "subscribe", stream: "list", list: "123" }, "Not authorized to stream this list"],
    ];
    for (const [message, error] of cases) {
      socket.send(message);
      expect((await socket.next((m) => !!m.error)).error, JSON.stringify(message)).toBe(error);
    }
    socket.close();
  });

  it("caps the subscriptions of one socket", async () => {
    const u = await registerUser(uniqueName("ws"));
    const socket = await connect(u.token);
    for (let i = 0; i < 64; i++) socket.subscribe("hashtag", { tag: `cap${i}` });
    socket.subscribe("hashtag", { tag: "one-too-many" });
    expect(await socket.next((m) => !!m.error)).toEqual({ error: "Too many subscriptions", status: 400 });
    // Unsubscribing makes room again; subscribing twice to one stream is a no-op.
    socket.unsubscribe("hashtag", { tag: "CAP0" });
    socket.subscribe("hashtag", { tag: "cap1" });
    socket.subscribe("hashtag", { tag: "one-too-many" });
    await socket.none((m) => !!m.error);
    socket.close();
  });

  it("does not stream another account's list", async () => {
    const [owner, other] = [await registerUser(uniqueName("ws")), await registerUser(uniqueName("ws"))];
    const created = await api("/api/v1/lists", { method: "POST", headers: { ...bearer(owner.token), "content-type": "application/json" }, body: JSON.stringify({ title: "mine" }) });
    const list = await created.json<any>();
    const socket = await connect(other.token);
    socket.subscribe("list", { list: list.id });
    expect(await socket.next((m) => !!m.error)).toEqual({ error: "Not authorized to stream this list", status: 401 });
    socket.close();
  });

  it("checks the scope of each stream (read:statuses, read:notifications)", async () => {
    const u = await registerUser(uniqueName("ws"));
    const statusesOnly = await issueToken(u.id, ["read:statuses"]);
    const socket = await connect(statusesOnly, "stream=user:notification");
    expect(await socket.next((m) => !!m.error)).toEqual({ error: "Access token does not cover required scopes", status: 401 });
    socket.close();
    const notificationsOnly = await issueToken(u.id, ["read:notifications"]);
    const other = await connect(notificationsOnly, "stream=user:notification");
    other.subscribe("public:local");
    expect((await other.next((m) => !!m.error)).error).toBe("Access token does not cover required scopes");
    other.close();
  });
});

describe("server-sent events", () => {
  it("opens with :) and refuses missing tokens or parameters", async () => {
    const u = await registerUser(uniqueName("sse"));
    const res = await api("/api/v1/streaming/user", { headers: bearer(u.token) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(await readSse(res.body!, (t) => t.startsWith(":)\n"))).toMatch(/^:\)\n/);
    await res.body!.cancel();
    // The object notices the client left and forgets the response.
    const deadline = Date.now() + 3000;
    while ((await listenerCount(u.id)) > 0) {
      if (Date.now() > deadline) throw new Error("SSE listener not removed after cancel");
      await new Promise((r) => setTimeout(r, 20));
    }

    expect((await api("/api/v1/streaming/public/local")).status).toBe(401);
    const noTag = await api(`/api/v1/streaming/hashtag?access_token=${u.token}`);
    expect(noTag.status).toBe(400);
    expect(await noTag.json()).toEqual({ error: "Missing tag name parameter" });
    const noList = await api("/api/v1/streaming/list", { headers: bearer(u.token) });
    expect(noList.status).toBe(400);
    expect((await api("/api/v1/streaming/nope", { headers: bearer(u.token) })).status).toBe(404);
  });
});
