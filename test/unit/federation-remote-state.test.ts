import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { AS_PUBLIC } from "../../lib/federation/context";
import { snowflake } from "../../lib/ids";
import type { StatusRecord, Visibility } from "../../schemas/records";
import { statusRecordOf } from "./timelines-helpers";
import { accountStub, deliveryStub, publicTimelineStub, remoteActorStub } from "../../core/stubs";
import type { AccountObject } from "../../objects/account/account-object";
import type { RemoteActorObject } from "../../objects/federation/remote-actor-object";

import { deliverPollEnded } from "../../objects/account/status-peers";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import {
  activityOf,
  createOf,
  deliver,
  drain,
  followRemote,
  getJson,
  homeOf,
  localActor,
  localStatusUri,
  localUser,
  noteOf,
  ORIGIN,
  rand,
  remoteId,
  remoteServer,
  type Remote,
} from "./federation-handlers-helpers";
import { api, bearer, jsonBody, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";

/**
 * The local state kept about remote accounts stays true to the graph and to the remote
 * documents: a remote actor's local audience, its statuses served by its local id and merged
 * into a new follower's home, remote ids never treated as local accounts, inboxes that follow a
 * server move, remote replies in the instance catalog; and the follow backfill's list rules.
 */
let server: Remote;

beforeAll(() => {
  server = remoteServer("rs");
});
afterAll(() => uninstallFakeNetwork());

const name = (prefix: string) => `${prefix}${rand().slice(0, 6)}`;

async function postJson(path: string, token: string, body: unknown = {}): Promise<any> {
  const res = await api(path, jsonBody("POST", body, token));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

/** Runs the accounts' due jobs (and the deliveries to the peer) a few rounds. */
async function runJobs(...users: TestUser[]): Promise<void> {
  for (let round = 0; round < 4; round++) {
    for (const u of users) await runDurableObjectAlarm(accountStub(env, u.id));
    await runDurableObjectAlarm(deliveryStub(env, server.peer.host));
  }
}

/** Whether an AccountObject was ever created under `id` (it has storage). */
async function hasAccountObject(id: string): Promise<boolean> {
  const wanted = env.ACCOUNT.idFromName(id);
  return (await listDurableObjectIds(env.ACCOUNT)).some((x) => x.equals(wanted));
}

/** A status of `actor` held here (as if fetched), indexed so the API finds it by id. */
async function heldStatus(actor: PeerActor, visibility: Visibility, audience: string[] = []): Promise<StatusRecord> {
  const resolved = await resolveRemoteActor(env, actor.uri, { origin: ORIGIN });
  if (!resolved.ok) throw new Error(resolved.error);
  const id = snowflake();
  const uri = `${actor.uri}/statuses/${id}`;
  const record = statusRecordOf(resolved.value.account, { id, uri, url: uri, visibility, content: `<p>${visibility} words</p>` });
  const stored = await remoteActorStub(env, actor.uri).storeStatus({ record, inReplyToUri: null, parent: null, reblogOf: null, audience, fanout: false });
  await drain(actor.uri);
  return { ...record, id: stored.id };
}

describe("a remote actor's local audience", () => {
  it("loses the local accounts that unfollow it, block it, or whose follow it rejects", async () => {
    const dora = await server.actor(name("dora"));
    const [alice, anna, abel] = await Promise.all([localUser("unf"), localUser("blk"), localUser("rej")]);
    const doraId = await followRemote(alice, dora);
    await followRemote(anna, dora);
    await followRemote(abel, dora);
    const audience = async () => (await remoteActorStub(env, dora.uri).localFollowers()).sort();
    expect(await audience()).toEqual([alice.id, anna.id, abel.id].sort());

    await postJson(`/api/v1/accounts/${doraId}/unfollow`, alice.token);
    expect(await audience()).toEqual([anna.id, abel.id].sort());
    await postJson(`/api/v1/accounts/${doraId}/block`, anna.token);
    expect(await audience()).toEqual([abel.id]);
    await deliver(activityOf(dora, "Reject", { id: `${localActor(abel)}#follows/r`, type: "Follow", actor: localActor(abel), object: dora.uri }), dora);
    expect(await audience()).toEqual([]);

    const note = noteOf(dora);
    await deliver(createOf(dora, note), dora);
    for (const u of [alice, anna, abel]) expect((await homeOf(u)).map((s) => s.uri)).not.toContain(note.id);
  });
});

describe("a remote account's statuses", () => {
  it("are served by its local id through the viewer's own view (visibility and flags)", async () => {
    const eve = await server.actor(name("eve"));
    const [fan, stranger] = await Promise.all([localUser("fan"), localUser("str")]);
    const eveId = await followRemote(fan, eve);
    const open = await heldStatus(eve, "public");
    const closed = await heldStatus(eve, "private");
    await postJson(`/api/v1/statuses/${open.id}/favourite`, fan.token);

    const seen = await getJson(`/api/v1/accounts/${eveId}/statuses`, fan.token);
    expect(seen.status).toBe(200);
    expect(seen.body.map((s: any) => s.id)).toEqual([closed.id, open.id]);
    for (const s of seen.body) expectSchema(s, "Status");
    expect(seen.body.find((s: any) => s.id === open.id)).toMatchObject({ favourited: true, favourites_count: 1 });

    const other = await getJson(`/api/v1/accounts/${eveId}/statuses`, stranger.token);
    expect(other.body.map((s: any) => s.id)).toEqual([open.id]);
    expect(other.body[0].favourited).toBe(false);
    expect((await getJson(`/api/v1/accounts/${eveId}/statuses`)).body.map((s: any) => s.id)).toEqual([open.id]);
  });

  it("fill a new follower's home once the remote follow is accepted, as far as the follower may see them", async () => {
    const finn = await server.actor(name("finn"));
    const [fan, addressed] = await Promise.all([localUser("bkf"), localUser("adr")]);
    const open = await heldStatus(finn, "public");
    const closed = await heldStatus(finn, "private");
    const direct = await heldStatus(finn, "direct", [addressed.id]);
    await followRemote(fan, finn);
    await runJobs(fan);
    const home = (await homeOf(fan)).map((s) => s.id);
    expect(home).toContain(open.id);
    expect(home).toContain(closed.id);
    expect(home).not.toContain(direct.id);
  });
});

describe("remote account ids are never local accounts", () => {
  it("reading a remote account, several accounts, its featured tags or a remote status's source creates no account object", async () => {
    const gil = await server.actor(name("gil"));
    const reader = await localUser("rdr");
    const gilId = await remoteId(gil);
    const held = await heldStatus(gil, "public");
    expect((await getJson(`/api/v1/accounts/${gilId}`)).body.id).toBe(gilId);
    expect((await getJson(`/api/v1/accounts?id[]=${gilId}&id[]=${reader.id}`)).body.map((a: any) => a.id)).toEqual([gilId, reader.id]);
    expect(await getJson(`/api/v1/accounts/${gilId}/featured_tags`)).toEqual({ status: 200, body: [] });
    expect((await getJson(`/api/v1/statuses/${held.id}/source`, reader.token)).status).toBe(404);
    expect(await hasAccountObject(gilId)).toBe(false);
  });

  it("the fan-out of an edit and a delete skips a remote booster (its boost follows through its own object)", async () => {
    const gus = await server.actor(name("gus"));
    const author = await localUser("bst");
    const status = await postJson("/api/v1/statuses", author.token, { status: "boost me" });
    const announce = activityOf(gus, "Announce", localStatusUri(author, status.id), { to: [AS_PUBLIC] });
    await deliver(announce, gus);
    const gusId = await remoteId(gus);
    expect((await getJson(`/api/v1/statuses/${status.id}/reblogged_by`)).body.map((a: any) => a.id)).toEqual([gusId]);

    const edited = await api(`/api/v1/statuses/${status.id}`, jsonBody("PUT", { status: "boost me, edited" }, author.token));
    expect(edited.status).toBe(200);
    await runJobs(author);
    await drain(gus.uri);
    expect((await remoteActorStub(env, gus.uri).statusByUri(announce.id))?.reblog?.content).toContain("edited");
    expect((await api(`/api/v1/statuses/${status.id}`, { method: "DELETE", headers: bearer(author.token) })).status).toBe(200);
    await runJobs(author);
    await drain(gus.uri);
    expect(await remoteActorStub(env, gus.uri).statusByUri(announce.id)).toBeNull();
    expect(await hasAccountObject(gusId)).toBe(false);
  });

  it("a profile change skips a remote blocker; a poll's end notifies local voters only", async () => {
    const hal = await server.actor(name("hal"));
    const [bea, voter] = await Promise.all([localUser("pfl"), localUser("vtr")]);
    await deliver(activityOf(hal, "Block", localActor(bea)), hal);
    const halId = await remoteId(hal);
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { display_name: "Bea B." }, bea.token))).status).toBe(200);
    await runJobs(bea);

    const poll = await postJson("/api/v1/statuses", bea.token, { status: "which?", poll: { options: ["a", "b"], expires_in: 3600 } });
    const [record] = await accountStub(env, bea.id).statusesFor([poll.id], bea.id);
    await runInDurableObject(accountStub(env, bea.id), (object: AccountObject) => deliverPollEnded(object, [halId, voter.id], record));
    const notified = (await getJson("/api/v1/notifications?types[]=poll", voter.token)).body;
    expect(notified.map((n: any) => n.status.id)).toEqual([poll.id]);
    expect(await hasAccountObject(halId)).toBe(false);
  });
});

describe("a remote follower's inboxes", () => {
  async function movedFollower(prefix: string): Promise<{ actor: PeerActor; followee: TestUser; moved: Record<string, unknown>; sharedInbox: string }> {
    const actor = await server.actor(name(prefix));
    const followee = await localUser(`${prefix}f`);
    await deliver(activityOf(actor, "Follow", localActor(followee)), actor);
    const sharedInbox = `${server.peer.origin}/moved-${rand()}/inbox`;
    const moved = { ...actor.document, inbox: `${actor.uri}/moved/inbox`, endpoints: { sharedInbox } };
    server.peer.serveJson(new URL(actor.uri).pathname, moved);
    return { actor, followee, moved, sharedInbox };
  }

  async function postReaches(followee: TestUser, inbox: string): Promise<void> {
    const status = await postJson("/api/v1/statuses", followee.token, { status: `after the move ${rand()}` });
    const statusUri = `${localActor(followee)}/statuses/${status.id}`;
    for (let i = 0; i < 40; i++) {
      await runJobs(followee);
      const hits = server.peer.received((r) => r.method === "POST" && r.url === inbox && new TextDecoder().decode(r.body).includes(statusUri));
      if (hits.length) return;
    }
    throw new Error(`the post never reached ${inbox}`);
  }

  it("follow the actor's Update to its new server", async () => {
    const { actor, followee, moved, sharedInbox } = await movedFollower("ivy");
    await deliver(activityOf(actor, "Update", moved), actor);
    await postReaches(followee, sharedInbox);
  });

  it("follow a refetch of a stale actor document", async () => {
    const { actor, followee, sharedInbox } = await movedFollower("jay");
    await runInDurableObject(remoteActorStub(env, actor.uri), (object: RemoteActorObject) => {
      object.clockOffsetMs = 25 * 3600 * 1000;
    });
    const refreshed = await resolveRemoteActor(env, actor.uri, { origin: ORIGIN });
    expect(refreshed.ok && refreshed.value.sharedInbox).toBe(sharedInbox);
    await drain(actor.uri);
    await postReaches(followee, sharedInbox);
  });
});

describe("remote statuses on the instance timelines", () => {
  it("a remote public reply to someone else is not listed but counts as a use of its hashtag", async () => {
    const kim = await server.actor(name("kim"));
    const author = await localUser("cat");
    const parent = await postJson("/api/v1/statuses", author.token, { status: "a question" });
    const tag = `gap${rand()}`;
    const reply = noteOf(kim, {
      inReplyTo: localStatusUri(author, parent.id),
      content: `<p>answer <a href="${server.peer.origin}/tags/${tag}" rel="tag">#${tag}</a></p>`,
      tag: [{ type: "Hashtag", name: `#${tag}`, href: `${server.peer.origin}/tags/${tag}` }],
    });
    await deliver(createOf(kim, reply), kim);
    const [stats] = await publicTimelineStub(env).tagStats([tag]);
    expect(stats.usage.reduce((n, u) => n + u.uses, 0)).toBe(1);
    const listed = (await getJson("/api/v1/timelines/public?limit=40")).body.map((s: any) => s.uri);
    expect(listed).not.toContain(reply.id);
  });
});

describe("the follow backfill", () => {
  it("leaves an exclusive list's members out of home and keeps boosts in lists tied to their original", async () => {
    const [reader, writer, origin] = await Promise.all([localUser("lrd"), localUser("lwr"), localUser("lor")]);
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { locked: true }, writer.token))).status).toBe(200);
    const original = await postJson("/api/v1/statuses", origin.token, { status: "worth a boost" });
    const boost = await postJson(`/api/v1/statuses/${original.id}/reblog`, writer.token);
    const own = await postJson("/api/v1/statuses", writer.token, { status: "my own words" });
    await postJson(`/api/v1/accounts/${writer.id}/follow`, reader.token);
    const list = await postJson("/api/v1/lists", reader.token, { title: "Only here", exclusive: true });
    await postJson(`/api/v1/lists/${list.id}/accounts`, reader.token, { account_ids: [writer.id] });
    await postJson(`/api/v1/follow_requests/${reader.id}/authorize`, writer.token);
    await runJobs(reader, writer);

    const listed = async () => (await getJson(`/api/v1/timelines/list/${list.id}`, reader.token)).body.map((s: any) => s.id);
    expect(await listed()).toEqual([own.id, boost.id]);
    expect((await homeOf(reader)).map((s) => s.account.id)).not.toContain(writer.id);

    // The original's deletion reaches the reader: the boost of it leaves the list with it.
    await accountStub(env, reader.id).receiveStatusDelete({ id: original.id, conversation_id: original.id, reblog_of_id: null, author_id: origin.id });
    expect(await listed()).toEqual([own.id]);
  });
});
