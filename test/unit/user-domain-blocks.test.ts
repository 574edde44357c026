import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { accountStub, deliveryStub } from "../../core/stubs";
import { uninstallFakeNetwork } from "./federation-peer";
import {
  activityOf,
  byUri,
  createOf,
  deliver,
  followRemote,
  getJson,
  homeOf,
  localActor,
  localUser,
  mentionTag,
  noteOf,
  notificationsOf,
  rand,
  remoteId,
  remoteServer,
  type Remote,
} from "./federation-handlers-helpers";
import { api, bearer, issueToken, jsonBody, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { inObject } from "./status-helpers";

/**
 * A user's own domain blocks: the API (strings, paging, validation, scopes) and their effects
 * on feeds, notifications, relationships, follows both ways and later deliveries.
 */
let server: Remote;
let other: Remote;

beforeAll(() => {
  server = remoteServer("udb");
  other = remoteServer("udbok");
});
afterAll(() => uninstallFakeNetwork());

const block = (u: TestUser, domain: unknown) => api("/api/v1/domain_blocks", jsonBody("POST", { domain }, u.token));
const unblock = (u: TestUser, domain: string) => api("/api/v1/domain_blocks", jsonBody("DELETE", { domain }, u.token));

async function blockedDomains(u: TestUser, query = ""): Promise<{ list: string[]; link: string | null }> {
  const res = await api(`/api/v1/domain_blocks${query}`, { headers: bearer(u.token) });
  expect(res.status).toBe(200);
  return { list: await res.json(), link: res.headers.get("link") };
}

/** Runs the account's due jobs (made due now: jobs that wake the object need a real time) and the deliveries to the peer. */
async function settle(u: TestUser): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await inObject(u.id, (o) => {
      o.sql.exec("UPDATE outbox SET next_at = ?", Date.now() - 1);
      return o.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(accountStub(env, u.id));
    await runDurableObjectAlarm(deliveryStub(env, server.peer.host));
  }
}

describe("/api/v1/domain_blocks", () => {
  it("adds, lists as strings (newest first, paged with Link) and removes; normalizes and validates", async () => {
    const me = await localUser("udb");
    for (const d of ["One.Example", "two.example.", "https://three.example/path"]) {
      const res = await block(me, d);
      expect([d, res.status]).toEqual([d, d.startsWith("https") ? 422 : 200]);
    }
    expect((await block(me, "one.example")).status).toBe(200);
    const all = await blockedDomains(me);
    expect(all.list).toEqual(["two.example", "one.example"]);
    // The OpenAPI document's response: an array of strings.
    expect(all.list.every((d) => typeof d === "string")).toBe(true);
    const first = await blockedDomains(me, "?limit=1");
    expect(first.list).toEqual(["two.example"]);
    const next = first.link!.match(/<([^>]+)>; rel="next"/)![1];
    expect((await blockedDomains(me, new URL(next).search)).list).toEqual(["one.example"]);

    for (const bad of ["", "   ", null]) expect((await block(me, bad)).status).toBe(422);
    for (const bad of ["exa mple.com", "a/b", "-x.example", 12]) {
      const res = await block(me, bad);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ error: expect.stringMatching(/Domain/) });
    }
    expect(await (await unblock(me, "ONE.example")).json()).toEqual({});
    expect(await (await unblock(me, "never.example")).json()).toEqual({});
    expect((await blockedDomains(me)).list).toEqual(["two.example"]);
  });

  it("needs a user token with read:blocks / write:blocks (or the legacy follow scope)", async () => {
    const me = await localUser("udbscope");
    expect((await api("/api/v1/domain_blocks")).status).toBe(401);
    const readOnly = await issueToken(me.id, ["read:blocks"]);
    expect((await api("/api/v1/domain_blocks", { headers: bearer(readOnly) })).status).toBe(200);
    expect((await api("/api/v1/domain_blocks", jsonBody("POST", { domain: "x.example" }, readOnly))).status).toBe(403);
    const legacy = await issueToken(me.id, ["follow"]);
    expect((await api("/api/v1/domain_blocks", jsonBody("POST", { domain: "x.example" }, legacy))).status).toBe(200);
    const statuses = await issueToken(me.id, ["read:statuses"]);
    expect((await api("/api/v1/domain_blocks", { headers: bearer(statuses) })).status).toBe(403);
  });
});

describe("blocking a domain", () => {
  it("removes its statuses and boosts from home, ends follows both ways (federated), and keeps it out afterwards", async () => {
    const me = await localUser("udbfx");
    const [followed, follower, stranger] = await Promise.all([
      server.actor(`fol${rand().slice(0, 5)}`),
      server.actor(`fwr${rand().slice(0, 5)}`),
      server.actor(`str${rand().slice(0, 5)}`),
    ]);
    const friend = await other.actor(`fr${rand().slice(0, 5)}`);
    const followedId = await followRemote(me, followed);
    await followRemote(me, friend);
    const follow = activityOf(follower, "Follow", localActor(me));
    await deliver(follow, follower);
    const followerId = await remoteId(follower);

    const note = noteOf(followed, { content: "<p>before the block</p>" });
    await deliver(createOf(followed, note), followed);
    const boost = activityOf(friend, "Announce", note.id, { to: ["https://www.w3.org/ns/activitystreams#Public"], cc: [`${friend.uri}/followers`] });
    await deliver(boost, friend);
    await deliver(createOf(stranger, noteOf(stranger, { tag: [mentionTag(me)], content: `<p>@${me.username} hi</p>` })), stranger);
    expect(byUri(await homeOf(me), note.id as string)).toBeTruthy();
    expect((await notificationsOf(me)).some((n) => n.account.id === followerId)).toBe(true);

    expect((await block(me, server.peer.host)).status).toBe(200);
    expect(byUri(await homeOf(me), note.id as string)).toBeUndefined();
    expect((await notificationsOf(me)).filter((n) => n.account.acct.endsWith(`@${server.peer.host}`))).toEqual([]);
    const rel = await getJson(`/api/v1/accounts/relationships?id[]=${followedId}&id[]=${me.id}`, me.token);
    expect(rel.body.map((r: any) => r.domain_blocking)).toEqual([true, false]);
    expectSchema(rel.body[0], "Relationship");

    await settle(me);
    const after = (await getJson(`/api/v1/accounts/relationships?id[]=${followedId}&id[]=${followerId}`, me.token)).body;
    expect(after.map((r: any) => [r.following, r.followed_by])).toEqual([
      [false, false],
      [false, false],
    ]);
    const sent = server.peer.received((r) => r.method === "POST").map((r) => JSON.parse(new TextDecoder().decode(r.body)));
    expect(sent.some((a) => a.type === "Undo" && a.object?.type === "Follow" && a.object.object === followed.uri)).toBe(true);
    expect(sent.some((a) => a.type === "Reject" && (a.object?.id === follow.id || a.object === follow.id || a.object?.actor === follower.uri))).toBe(true);

    // Nothing from the domain reaches the account again: mentions, follows, statuses.
    await deliver(createOf(stranger, noteOf(stranger, { tag: [mentionTag(me)], content: `<p>@${me.username} again</p>` })), stranger);
    await deliver(activityOf(follower, "Follow", localActor(me)), follower);
    expect((await notificationsOf(me)).filter((n) => n.account.acct.endsWith(`@${server.peer.host}`))).toEqual([]);
    expect((await getJson(`/api/v1/accounts/relationships?id[]=${followerId}`, me.token)).body[0].followed_by).toBe(false);
    // Another domain is untouched.
    expect(byUri(await homeOf(me), note.id as string)).toBeUndefined();
    const friendNote = noteOf(friend, { content: "<p>still here</p>" });
    await deliver(createOf(friend, friendNote), friend);
    expect(byUri(await homeOf(me), friendNote.id as string)).toBeTruthy();

    // Following an account of the domain is refused; actions answer with domain_blocking.
    expect((await api(`/api/v1/accounts/${followedId}/follow`, { method: "POST", headers: bearer(me.token) })).status).toBe(403);
    const muted = await api(`/api/v1/accounts/${followedId}/mute`, { method: "POST", headers: bearer(me.token) });
    expect(((await muted.json()) as any).domain_blocking).toBe(true);
    await unblock(me, server.peer.host);
    const lifted = (await getJson(`/api/v1/accounts/relationships?id[]=${followedId}`, me.token)).body[0];
    expect(lifted.domain_blocking).toBe(false);
    await runDurableObjectAlarm(accountStub(env, me.id));
  });

  it("hides the domain's statuses from public timelines and search-like reads for the blocker only", async () => {
    const [me, bystander] = await Promise.all([localUser("udbpub"), localUser("udbby")]);
    const author = await server.actor(`pub${rand().slice(0, 5)}`);
    const local = await localUser("udbloc");
    await followRemote(local, author);
    const note = noteOf(author, { content: `<p>public words ${rand()}</p>` });
    await deliver(createOf(author, note), author);
    const publicOf = async (u: TestUser) => (await getJson("/api/v1/timelines/public?limit=40", u.token)).body as any[];
    expect(byUri(await publicOf(me), note.id as string)).toBeTruthy();
    await block(me, server.peer.host);
    expect(byUri(await publicOf(me), note.id as string)).toBeUndefined();
    expect(byUri(await publicOf(bystander), note.id as string)).toBeTruthy();
    const statusId = byUri(await publicOf(bystander), note.id as string).id;
    expect((await getJson(`/api/v1/statuses/${statusId}`, me.token)).status).toBe(404);
  });
});
