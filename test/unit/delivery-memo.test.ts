import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { accountStub, call, follow, homeIds, post, recordBy, settle, users } from "./timelines-helpers";
import { connect, forEvent, payloadOf } from "./streaming-helpers";

/**
 * A new status reaches followers in two rounds (objects/account/fanout.ts): accounts with a
 * live `user` stream hear of it first and store it in a second call; the others store it at
 * once. Both rounds read the home rules' facts and a new status's flags from memos kept in the
 * account object (objects/account/feed-facts.ts), which must never outlive what they describe.
 */
describe("delivery of a new status", () => {
  it("streams to a listening follower once and stores it for every follower", async () => {
    const [author, listening, away] = await users("dmauthor", "dmlisten", "dmaway");
    await follow(listening, author);
    await follow(away, author);
    const socket = await connect(listening.token, "stream=user");
    const status = await post(author, { status: "two rounds" });
    await settle([author, listening, away]);
    expect(payloadOf(await socket.next(forEvent("update", ["user"]))).id).toBe(status.id);
    await socket.none(forEvent("update"));
    expect(await homeIds(listening)).toEqual([status.id]);
    expect(await homeIds(away)).toEqual([status.id]);
    socket.close();
  });

  it("notifies a listening follower who asked for notifications, after storing", async () => {
    const [author, fan] = await users("dmnauthor", "dmnfan");
    await follow(fan, author, { notify: true });
    const socket = await connect(fan.token, "stream=user");
    const status = await post(author, { status: "ring the bell" });
    await settle([author, fan]);
    expect(payloadOf(await socket.next(forEvent("update", ["user"]))).id).toBe(status.id);
    const note = payloadOf(await socket.next(forEvent("notification", ["user"])));
    expect(note).toMatchObject({ type: "status", status: { id: status.id } });
    socket.close();
  });

  it("applies a mute or block made after the author's facts were kept", async () => {
    const [author, fan] = await users("dmfacts", "dmfactsfan");
    await follow(fan, author);
    const socket = await connect(fan.token, "stream=user");
    const first = await post(author, { status: "before the mute" });
    await settle([author, fan]);
    expect(payloadOf(await socket.next(forEvent("update", ["user"]))).id).toBe(first.id);

    expect((await call("POST", `/api/v1/accounts/${author.id}/mute`, fan.token, { duration: 2 })).status).toBe(200);
    await post(author, { status: "while muted" });
    await settle([author, fan]);
    await socket.none(forEvent("update"));
    // Muting also takes the author's statuses out of home (as Mastodon).
    expect(await homeIds(fan)).toEqual([]);

    // The mute ends by time alone: no write tells the memo, its expiry does.
    await new Promise((r) => setTimeout(r, 2100));
    const after = await post(author, { status: "after the mute" });
    await settle([author, fan]);
    expect(payloadOf(await socket.next(forEvent("update", ["user"]))).id).toBe(after.id);
    expect(await homeIds(fan)).toEqual([after.id]);

    expect((await call("POST", `/api/v1/accounts/${author.id}/block`, fan.token)).status).toBe(200);
    await post(author, { status: "blocked now" });
    await settle([author, fan]);
    await socket.none(forEvent("update"));
    expect(await homeIds(fan)).toEqual([]);
    socket.close();
  });

  it("reads a new status's flags only when this account may have set them", async () => {
    const [author, reader] = await users("dmflags", "dmflagsreader");
    const older = await recordBy(author);
    const newer = await recordBy(author);
    const flagsOf = (s: typeof older) => runInDurableObject(accountStub(reader.id), (o: AccountObject) => o.feedFacts.freshFlags(o.sql, s));
    expect(await flagsOf(older)).toEqual({ [older.id]: { favourited: false, reblogged: false, bookmarked: false, muted: false } });

    // A favourite of a status newer than `older`: `older`'s flags now need the query.
    const liked = await post(author, { status: "liked" });
    expect((await call("POST", `/api/v1/statuses/${liked.id}/favourite`, reader.token)).status).toBe(200);
    expect(await flagsOf(older)).toBeNull();
    expect(await flagsOf(newer)).toBeNull();
    // Undoing it leaves the bound where it was (still correct, only more cautious).
    expect((await call("POST", `/api/v1/statuses/${liked.id}/unfavourite`, reader.token)).status).toBe(200);
    expect(await flagsOf(older)).toBeNull();
    const latest = await recordBy(author);
    expect(await flagsOf(latest)).toEqual({ [latest.id]: { favourited: false, reblogged: false, bookmarked: false, muted: false } });

    // A muted conversation shows at once.
    const own = await post(reader, { status: "my thread" });
    expect((await call("POST", `/api/v1/statuses/${own.id}/mute`, reader.token)).status).toBe(200);
    const conversation = await runInDurableObject(accountStub(reader.id), (o: AccountObject) =>
      o.sql.exec<{ conversation_id: string }>("SELECT conversation_id FROM statuses WHERE id = ?", own.id).one().conversation_id,
    );
    const inThread = await recordBy(author, { conversation_id: conversation });
    expect((await flagsOf(inThread))?.[inThread.id]?.muted).toBe(true);
    // Boosts and polls always take the query.
    expect(await flagsOf(await recordBy(author, { reblog: latest }))).toBeNull();
  });
});
