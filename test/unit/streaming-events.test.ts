import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, bearer, createAppToken, issueToken, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { accountStub, call, follow, post, publicStub, settle, users } from "./timelines-helpers";
import { connect, forEvent, payloadOf, readSse, untilWatching, type TestSocket } from "./streaming-helpers";

/**
 * Events on every stream, produced through the real API (post, favourite, edit, delete...):
 * shape (`stream` array with the parameter, `payload` a JSON string), per-receiver rendering,
 * visibility, blocks, mutes and filters, hibernation and token revocation.
 */

async function subscribed(socket: TestSocket, user: TestUser, stream: string, params: Record<string, string> = {}, key = stream): Promise<void> {
  socket.subscribe(stream, params);
  await untilWatching(key, user.id);
}

describe("the user stream", () => {
  it("carries a post to the author and to followers as update, rendered for each", async () => {
    const [author, fan, stranger] = await users("author", "fan", "stranger");
    await follow(fan, author);
    const [own, fans, strangers] = await Promise.all([connect(author.token, "stream=user"), connect(fan.token, "stream=user"), connect(stranger.token, "stream=user")]);
    const status = await post(author, { status: "hello stream" });
    const mine = await own.next(forEvent("update", ["user"]));
    expect(payloadOf(mine).id).toBe(status.id);
    await settle([author, fan]);
    const update = await fans.next(forEvent("update", ["user"]));
    const payload = payloadOf(update);
    expect(payload.id).toBe(status.id);
    expect(payload.favourited).toBe(false);
    expectSchema(payload, "Status");
    await strangers.none(forEvent("update"));
    for (const s of [own, fans, strangers]) s.close();
  });

  it("streams to followers under their home rules: private posts, mutes, home filters", async () => {
    const [author, muted, fan, watcher, stranger] = await users("author", "muted", "fan", "watcher", "stranger");
    for (const f of [fan, watcher]) {
      await follow(f, author);
      await follow(f, muted);
    }
    expect((await call("POST", `/api/v1/accounts/${muted.id}/mute`, fan.token)).status).toBe(200);
    const hide = await call("POST", "/api/v2/filters", fan.token, { title: "no spoilers", context: ["home"], filter_action: "hide", keywords_attributes: [{ keyword: "spoilers" }] });
    const warn = await call("POST", "/api/v2/filters", fan.token, { title: "careful", context: ["home"], filter_action: "warn", keywords_attributes: [{ keyword: "mild" }] });
    expect([hide.status, warn.status]).toEqual([200, 200]);
    const [fans, watchers, strangers] = await Promise.all([fan, watcher, stranger].map((u) => connect(u.token, "stream=user")));

    const quiet = await post(muted, { status: "from someone muted" });
    const spoilers = await post(author, { status: "big spoilers inside" });
    const warned = await post(author, { status: "mild content" });
    const secret = await post(author, { status: "followers only", visibility: "private" });
    await settle([author, muted, fan, watcher, stranger]);

    const forFan = [payloadOf(await fans.next(forEvent("update", ["user"]))), payloadOf(await fans.next(forEvent("update", ["user"])))];
    expect(forFan.map((s) => s.id)).toEqual([warned.id, secret.id]);
    expect(forFan[0].filtered).toHaveLength(1);
    expect(forFan[0].filtered[0].filter.title).toBe("careful");
    expect(forFan[1].filtered).toEqual([]);
    expectSchema(forFan[1], "Status");
    await fans.none(forEvent("update"));
    // Without mutes or filters: everything, with no `filtered` matches.
    const forWatcher: any[] = [];
    for (let i = 0; i < 4; i++) forWatcher.push(payloadOf(await watchers.next(forEvent("update", ["user"]))));
    expect(forWatcher.map((s) => s.id).sort()).toEqual([quiet.id, spoilers.id, warned.id, secret.id].sort());
    expect(forWatcher.every((s) => s.filtered.length === 0 && s.favourited === false)).toBe(true);
    await strangers.none(forEvent("update"));
    for (const s of [fans, watchers, strangers]) s.close();
  });

  it("sends notifications on user and user:notification, only to tokens that may read them", async () => {
    const [author, fan] = await users("author", "fan");
    const statusesOnly = await issueToken(author.id, ["read:statuses"]);
    const [full, notes, limited] = await Promise.all([
      connect(author.token, "stream=user"),
      connect(author.token, "stream=user:notification"),
      connect(statusesOnly, "stream=user"),
    ]);
    const status = await post(author, { status: "like me" });
    expect((await call("POST", `/api/v1/statuses/${status.id}/favourite`, fan.token)).status).toBe(200);
    await settle([author, fan]);
    for (const [socket, stream] of [[full, "user"], [notes, "user:notification"]] as const) {
      const n = payloadOf((await socket.next(forEvent("notification", [stream]))));
      expect(n.type).toBe("favourite");
      expect(n.account.id).toBe(fan.id);
      expect(n.status.id).toBe(status.id);
      expectSchema(n, "Notification");
    }
    await limited.none(forEvent("notification"));
    for (const s of [full, notes, limited]) s.close();
  });

  it("sends delete with the bare id, and status.update rendered with the receiver's flags", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author);
    const status = await post(author, { status: "first version" });
    await settle([author, fan]);
    expect((await call("POST", `/api/v1/statuses/${status.id}/favourite`, fan.token)).status).toBe(200);
    await settle([author, fan]);
    const socket = await connect(fan.token, "stream=user");

    expect((await call("PUT", `/api/v1/statuses/${status.id}`, author.token, { status: "second version" })).status).toBe(200);
    await settle([author, fan]);
    const edited = payloadOf((await socket.next(forEvent("status.update", ["user"]))));
    expect(edited.id).toBe(status.id);
    expect(edited.content).toContain("second version");
    expect(edited.favourited).toBe(true);
    expectSchema(edited, "Status");

    expect((await call("DELETE", `/api/v1/statuses/${status.id}`, author.token)).status).toBe(200);
    await settle([author, fan]);
    const deleted = await socket.next(forEvent("delete", ["user"]));
    expect(deleted.payload).toBe(status.id);
    socket.close();
  });

  it("tells the user stream that filters changed", async () => {
    const [u] = await users("filters");
    const socket = await connect(u.token, "stream=user");
    const res = await call("POST", "/api/v2/filters", u.token, { title: "f", context: ["home"], keywords_attributes: [{ keyword: "x" }] });
    expect(res.status).toBe(200);
    const m = await socket.next(forEvent("filters_changed", ["user"]));
    expect(m.payload).toBeUndefined();
    socket.close();
  });
});

describe("list and direct streams", () => {
  it("streams list entries with the list id in the stream array", async () => {
    const [owner, author] = await users("owner", "author");
    await follow(owner, author);
    const list = (await call("POST", "/api/v1/lists", owner.token, { title: "friends" })).body;
    expect((await call("POST", `/api/v1/lists/${list.id}/accounts`, owner.token, { account_ids: [author.id] })).status).toBe(200);
    const socket = await connect(owner.token, `stream=list&list=${list.id}`);
    const status = await post(author, { status: "for the list" });
    await settle([author, owner]);
    const m = await socket.next(forEvent("update", ["list", list.id]));
    expect(payloadOf(m).id).toBe(status.id);
    socket.close();
  });

  it("streams direct messages as conversation events to the participants", async () => {
    const [author, friend, bystander] = await users("author", "friend", "bystander");
    await follow(bystander, author);
    const [friends, authors, bystanders] = await Promise.all([
      connect(friend.token, "stream=direct"),
      connect(author.token, "stream=direct"),
      connect(bystander.token, "stream=user"),
    ]);
    const status = await post(author, { status: `@${friend.username} psst`, visibility: "direct" });
    await settle([author, friend, bystander]);
    for (const socket of [friends, authors]) {
      const conversation = payloadOf((await socket.next(forEvent("conversation", ["direct"]))));
      expect(conversation.last_status.id).toBe(status.id);
      expectSchema(conversation, "Conversation");
    }
    await bystanders.none(forEvent("update"));
    for (const s of [friends, authors, bystanders]) s.close();
  });
});

describe("public and hashtag streams", () => {
  it("multiplexes public:local and hashtag on one socket, with the tag as the client spelled it", async () => {
    const [author, reader] = await users("author", "reader");
    const tag = `Strm${Date.now().toString(36)}`;
    const socket = await connect(reader.token, "stream=user");
    await subscribed(socket, reader, "public:local");
    await subscribed(socket, reader, "hashtag", { tag }, `hashtag#${tag.toLowerCase()}`);
    await subscribed(socket, reader, "public:remote");

    const status = await post(author, { status: `tagged #${tag}` });
    await settle([author]);
    const local = await socket.next(forEvent("update", ["public:local"]));
    expect(payloadOf(local).id).toBe(status.id);
    const tagged = await socket.next(forEvent("update", ["hashtag", tag]));
    expect(payloadOf(tagged).id).toBe(status.id);
    expectSchema(payloadOf(tagged), "Status");
    await socket.none(forEvent("update", ["public:remote"]));

    // Unsubscribing stops the hashtag; public:local keeps flowing.
    socket.unsubscribe("hashtag", { tag: tag.toUpperCase() });
    await untilWatching(`hashtag#${tag.toLowerCase()}`, reader.id, false);
    const second = await post(author, { status: `again #${tag}` });
    await settle([author]);
    expect(payloadOf((await socket.next(forEvent("update", ["public:local"])))).id).toBe(second.id);
    await socket.none(forEvent("update", ["hashtag", tag]));

    // Deleting reaches the public stream as a bare id.
    expect((await call("DELETE", `/api/v1/statuses/${second.id}`, author.token)).status).toBe(200);
    await settle([author]);
    expect((await socket.next(forEvent("delete", ["public:local"]))).payload).toBe(second.id);

    // Closing the socket takes the account off the timelines' listeners.
    socket.close();
    await untilWatching("public:local", reader.id, false);
    await untilWatching("public:remote", reader.id, false);
  });

  it("never streams unlisted, private or direct posts publicly", async () => {
    const [author, reader] = await users("author", "reader");
    const socket = await connect(reader.token);
    await subscribed(socket, reader, "public");
    for (const visibility of ["unlisted", "private", "direct"]) await post(author, { status: `hidden ${visibility}`, visibility });
    await settle([author]);
    await socket.none(forEvent("update"));
    socket.close();
  });

  it("respects the receiver's blocks, mutes and filters, and renders its flags", async () => {
    const [blocked, muted, fine, reader] = await users("blocked", "muted", "fine", "reader");
    expect((await call("POST", `/api/v1/accounts/${blocked.id}/block`, reader.token)).status).toBe(200);
    expect((await call("POST", `/api/v1/accounts/${muted.id}/mute`, reader.token)).status).toBe(200);
    const hide = await call("POST", "/api/v2/filters", reader.token, { title: "no spoilers", context: ["public"], filter_action: "hide", keywords_attributes: [{ keyword: "spoilers" }] });
    const warn = await call("POST", "/api/v2/filters", reader.token, { title: "careful", context: ["public"], filter_action: "warn", keywords_attributes: [{ keyword: "mild" }] });
    expect([hide.status, warn.status]).toEqual([200, 200]);
    const socket = await connect(reader.token);
    await subscribed(socket, reader, "public:local");

    await post(blocked, { status: "from someone blocked" });
    await post(muted, { status: "from someone muted" });
    await post(fine, { status: "big spoilers inside" });
    const warned = await post(fine, { status: "mild content" });
    await settle([blocked, muted, fine]);
    const m = payloadOf((await socket.next(forEvent("update", ["public:local"]))));
    expect(m.id).toBe(warned.id);
    expect(m.filtered).toHaveLength(1);
    expect(m.filtered[0].filter.title).toBe("careful");
    expect(m.filtered[0].keyword_matches).toEqual(["mild"]);
    await socket.none(forEvent("update"));

    // The receiver's flags: an edit of a status it favourited says favourited: true.
    expect((await call("POST", `/api/v1/statuses/${warned.id}/favourite`, reader.token)).status).toBe(200);
    expect((await call("PUT", `/api/v1/statuses/${warned.id}`, fine.token, { status: "mild content, edited" })).status).toBe(200);
    await settle([fine, reader]);
    const edited = payloadOf((await socket.next(forEvent("status.update", ["public:local"]))));
    expect(edited.favourited).toBe(true);
    socket.close();
  });
});

describe("hibernation and revocation", () => {
  it("keeps delivering after the objects were evicted (state lives in attachments and SQLite)", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author);
    const tag = `hib${Date.now().toString(36)}`;
    const socket = await connect(fan.token, "stream=user");
    await subscribed(socket, fan, "hashtag", { tag }, `hashtag#${tag}`);
    await subscribed(socket, fan, "public:local");

    await evictDurableObject(accountStub(fan.id));
    await evictDurableObject(publicStub());

    const status = await post(author, { status: `after eviction #${tag}` });
    await settle([author, fan]);
    expect(payloadOf((await socket.next(forEvent("update", ["user"])))).id).toBe(status.id);
    expect(payloadOf((await socket.next(forEvent("update", ["public:local"])))).id).toBe(status.id);
    expect(payloadOf((await socket.next(forEvent("update", ["hashtag", tag])))).id).toBe(status.id);

    // Subscriptions changed after waking are kept too.
    socket.unsubscribe("public:local");
    await untilWatching("public:local", fan.id, false);
    await evictDurableObject(accountStub(fan.id));
    const second = await post(author, { status: `second #${tag}` });
    await settle([author, fan]);
    expect(payloadOf((await socket.next(forEvent("update", ["hashtag", tag])))).id).toBe(second.id);
    await socket.none(forEvent("update", ["public:local"]));
    socket.send("ping");
    expect(await socket.nextText()).toBe("pong");
    socket.close();
  });

  it("closes the sockets of a revoked token and leaves the others open", async () => {
    const [u] = await users("revoke");
    const app = await createAppToken(["read"]);
    const stub = accountStub(u.id);
    const issued = await stub.issueToken({ clientId: app.clientId, name: "Test app", website: null }, ["read"]);
    if (!issued.ok) throw new Error("issueToken failed");
    const doomed = await connect(issued.value.access_token, "stream=user");
    const kept = await connect(u.token, "stream=user");
    const res = await api("/oauth/revoke", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: issued.value.access_token, client_id: app.clientId, client_secret: app.clientSecret }).toString(),
    });
    expect(res.status).toBe(200);
    expect((await doomed.closed).code).toBe(1008);
    kept.send("ping");
    expect(await kept.nextText()).toBe("pong");
    kept.close();
  });
});

describe("server-sent events", () => {
  it("streams user and hashtag events as event:/data: frames", async () => {
    const [author, fan] = await users("author", "fan");
    await follow(fan, author);
    const tag = `sse${Date.now().toString(36)}`;
    const user = await api("/api/v1/streaming/user", { headers: bearer(fan.token) });
    const hashtag = await api(`/api/v1/streaming/hashtag?tag=${tag}&access_token=${fan.token}`);
    expect([user.status, hashtag.status]).toEqual([200, 200]);
    await untilWatching(`hashtag#${tag}`, fan.id);
    const status = await post(author, { status: `sse #${tag}` });
    await settle([author, fan]);
    const frame = new RegExp(`event: update\\ndata: (\\{.*"id":"${status.id}".*\\})\\n\\n`);
    for (const res of [user, hashtag]) {
      const text = await readSse(res.body!, (t) => frame.test(t));
      expect(text.startsWith(":)\n")).toBe(true);
      expectSchema(JSON.parse(text.match(frame)![1]), "Status");
      await res.body!.cancel();
    }
  });
});
