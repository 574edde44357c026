import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { AS_PUBLIC } from "../../lib/federation/context";
import { accountStub, deliveryStub, directoryStub, remoteActorStub } from "../../core/stubs";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import {
  activityOf,
  byUri,
  createOf,
  deliver,
  followRemote,
  getJson,
  homeOf,
  localActor,
  localStatusUri,
  localUser,
  noteOf,
  notificationsOf,
  rand,
  remoteId,
  remoteServer,
  type Remote,
} from "./federation-handlers-helpers";
import { api, bearer, jsonBody, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";

/**
 * Inbound social graph and account activities: Follow, Accept, Reject, Undo, Block, Update and
 * Delete of an actor, Move, Flag, Add/Remove (featured), with real signed activities.
 */
let server: Remote;

beforeAll(() => {
  server = remoteServer("fg");
});
afterAll(() => uninstallFakeNetwork());

async function relationship(viewer: TestUser, id: string): Promise<any> {
  const res = await getJson(`/api/v1/accounts/relationships?id[]=${id}`, viewer.token);
  expect(res.status).toBe(200);
  return res.body[0];
}

async function account(id: string, token: string): Promise<any> {
  return (await getJson(`/api/v1/accounts/${id}`, token)).body;
}

async function credentials(u: TestUser): Promise<any> {
  return (await getJson("/api/v1/accounts/verify_credentials", u.token)).body;
}

/** Runs a local account's queued jobs (e.g. the Accept it sends) and the deliveries to the peer. */
async function sendQueued(u: TestUser): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await runDurableObjectAlarm(accountStub(env, u.id));
    await runDurableObjectAlarm(deliveryStub(env, server.peer.host));
  }
}

const followOf = (actor: PeerActor, target: TestUser) => activityOf(actor, "Follow", localActor(target));

describe("Follow of a local account", () => {
  it("makes an unlocked account's follower at once, notifies, answers with an Accept; a replay changes nothing", async () => {
    const [carol, alice] = await Promise.all([server.actor(`carol${rand().slice(0, 5)}`), localUser("followee")]);
    const follow = followOf(carol, alice);
    expect(await deliver(follow, carol, { path: `/users/${alice.username}/inbox` })).toMatchObject({ state: "done", outcome: "handled" });
    await deliver(follow, carol);
    await deliver(followOf(carol, alice), carol);
    const carolId = await remoteId(carol);
    expect((await credentials(alice)).followers_count).toBe(1);
    expect(await relationship(alice, carolId)).toMatchObject({ followed_by: true, following: false });
    const follows = (await notificationsOf(alice, "follow")).filter((n) => n.account.id === carolId);
    expect(follows).toHaveLength(1);
    expectSchema(follows[0], "Notification");
    const followers = (await getJson(`/api/v1/accounts/${alice.id}/followers`, alice.token)).body;
    expect(followers.map((a: any) => a.acct)).toContain(`${carol.document.preferredUsername}@${server.peer.host}`);
    await sendQueued(alice);
    const accepts = server.peer.received((r) => r.method === "POST" && new TextDecoder().decode(r.body).includes('"Accept"'));
    expect(accepts.some((r) => JSON.parse(new TextDecoder().decode(r.body)).object.id === follow.id)).toBe(true);
  });

  it("makes a request to a locked account (follow_request notification)", async () => {
    const [carol, alice] = await Promise.all([server.actor(`carol${rand().slice(0, 5)}`), localUser("locked")]);
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { locked: true }, alice.token))).status).toBe(200);
    await deliver(followOf(carol, alice), carol);
    const carolId = await remoteId(carol);
    const requests = (await getJson("/api/v1/follow_requests", alice.token)).body;
    expect(requests.map((a: any) => a.id)).toEqual([carolId]);
    expect((await notificationsOf(alice, "follow_request")).map((n) => n.account.id)).toContain(carolId);
    expect((await credentials(alice)).followers_count).toBe(0);
  });

  it("is undone by an Undo with the Follow embedded, or named by id only", async () => {
    const [carol, alice] = await Promise.all([server.actor(`carol${rand().slice(0, 5)}`), localUser("undone")]);
    const follow = followOf(carol, alice);
    await deliver(follow, carol);
    await deliver(activityOf(carol, "Undo", follow), carol);
    expect((await credentials(alice)).followers_count).toBe(0);
    expect((await relationship(alice, await remoteId(carol))).followed_by).toBe(false);

    const again = followOf(carol, alice);
    await deliver(again, carol);
    expect((await credentials(alice)).followers_count).toBe(1);
    await deliver(activityOf(carol, "Undo", again.id), carol);
    expect((await credentials(alice)).followers_count).toBe(0);
  });

  it("ignores a Follow of someone who is not a local account", async () => {
    const carol = await server.actor(`carol${rand().slice(0, 5)}`);
    expect(await deliver(activityOf(carol, "Follow", "https://pronghorn.test/users/nobody_at_all"), carol)).toMatchObject({ state: "done" });
  });
});

describe("Accept and Reject of a local account's follow", () => {
  it("Accept makes the follow accepted and the followee's posts reach home", async () => {
    const [dora, alice] = await Promise.all([server.actor(`dora${rand().slice(0, 5)}`), localUser("follower")]);
    const doraId = await followRemote(alice, dora);
    expect(await relationship(alice, doraId)).toMatchObject({ following: true, requested: false });
    expect((await credentials(alice)).following_count).toBe(1);
    const note = noteOf(dora);
    await deliver(createOf(dora, note), dora);
    expect(byUri(await homeOf(alice), note.id as string)).toBeDefined();
  });

  it("an Accept for a follow nobody asked for changes nothing", async () => {
    const [dora, alice] = await Promise.all([server.actor(`dora${rand().slice(0, 5)}`), localUser("unasked")]);
    const accept = activityOf(dora, "Accept", { id: `${localActor(alice)}#follows/1`, type: "Follow", actor: localActor(alice), object: dora.uri });
    await deliver(accept, dora);
    expect(await relationship(alice, await remoteId(dora))).toMatchObject({ following: false, requested: false });
    const note = noteOf(dora);
    await deliver(createOf(dora, note), dora);
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
  });

  it("Reject ends a pending request, and a follow that was accepted (no more posts)", async () => {
    const [erin, alice, anna] = await Promise.all([server.actor(`erin${rand().slice(0, 5)}`), localUser("rejected"), localUser("revoked")]);
    const erinId = await remoteId(erin);
    expect((await api(`/api/v1/accounts/${erinId}/follow`, { method: "POST", headers: bearer(alice.token) })).status).toBe(200);
    expect((await relationship(alice, erinId)).requested).toBe(true);
    await deliver(activityOf(erin, "Reject", { id: `${localActor(alice)}#follows/x`, type: "Follow", actor: localActor(alice), object: erin.uri }), erin);
    expect(await relationship(alice, erinId)).toMatchObject({ following: false, requested: false });

    await followRemote(anna, erin);
    await deliver(activityOf(erin, "Reject", { id: `${localActor(anna)}#follows/y`, type: "Follow", actor: localActor(anna), object: erin.uri }), erin);
    expect((await relationship(anna, erinId)).following).toBe(false);
    const note = noteOf(erin);
    await deliver(createOf(erin, note), erin);
    expect(byUri(await homeOf(anna), note.id as string)).toBeUndefined();
  });

  it("refuses an Accept whose embedded Follow targets someone else", async () => {
    const [dora, mallory, alice] = await Promise.all([server.actor(`dora${rand().slice(0, 5)}`), server.actor(`mal${rand().slice(0, 5)}`), localUser("guarded")]);
    const doraId = await remoteId(dora);
    expect((await api(`/api/v1/accounts/${doraId}/follow`, { method: "POST", headers: bearer(alice.token) })).status).toBe(200);
    await deliver(activityOf(mallory, "Accept", { id: `${localActor(alice)}#follows/z`, type: "Follow", actor: localActor(alice), object: dora.uri }), mallory);
    expect(await relationship(alice, doraId)).toMatchObject({ following: false, requested: true });
  });
});

describe("Block", () => {
  it("blocks a local account (follows both ways end, posts stop and hide); Undo lifts it", async () => {
    const [fay, alice, anna] = await Promise.all([server.actor(`fay${rand().slice(0, 5)}`), localUser("blocked"), localUser("bystander")]);
    const fayId = await followRemote(alice, fay);
    await followRemote(anna, fay);
    await deliver(followOf(fay, alice), fay);
    const before = noteOf(fay);
    await deliver(createOf(fay, before), fay);
    const beforeId = await remoteStatusId(fay, before.id as string);
    expect((await getJson(`/api/v1/statuses/${beforeId}`, alice.token)).status).toBe(200);

    const block = activityOf(fay, "Block", localActor(alice));
    await deliver(block, fay);
    expect(await relationship(alice, fayId)).toMatchObject({ blocked_by: true, following: false, followed_by: false });
    expect(byUri(await homeOf(alice), before.id as string)).toBeUndefined();
    expect((await getJson(`/api/v1/statuses/${beforeId}`, alice.token)).status).toBe(404);
    const after = noteOf(fay);
    await deliver(createOf(fay, after), fay);
    expect(byUri(await homeOf(anna), after.id as string)).toBeDefined();
    expect(byUri(await homeOf(alice), after.id as string)).toBeUndefined();

    await deliver(activityOf(fay, "Undo", block.id), fay);
    expect((await relationship(alice, fayId)).blocked_by).toBe(false);
    expect((await getJson(`/api/v1/statuses/${beforeId}`, alice.token)).status).toBe(200);
  });
});

async function remoteStatusId(actor: PeerActor, uri: string): Promise<string> {
  const status = await remoteActorStub(env, actor.uri).statusByUri(uri);
  if (!status) throw new Error(`not held: ${uri}`);
  return status.id;
}

describe("Update of an actor", () => {
  it("refreshes the profile from the signed document and the copies local accounts hold", async () => {
    const [gus, alice] = await Promise.all([server.actor(`gus${rand().slice(0, 5)}`), localUser("watcher")]);
    const gusId = await followRemote(alice, gus);
    const note = noteOf(gus);
    await deliver(createOf(gus, note), gus);
    const renamed = { ...gus.document, name: "Gus the Great", summary: "<p>new bio</p>" };
    await deliver(activityOf(gus, "Update", renamed, { to: [AS_PUBLIC] }), gus);
    const following = (await getJson(`/api/v1/accounts/${alice.id}/following`, alice.token)).body;
    expect(following.find((a: any) => a.id === gusId)?.display_name).toBe("Gus the Great");
    const id = await remoteStatusId(gus, note.id as string);
    const status = (await getJson(`/api/v1/statuses/${id}`, alice.token)).body;
    expect(status.account).toMatchObject({ display_name: "Gus the Great", note: "<p>new bio</p>" });
  });

  it("ignores an Update of another actor's document", async () => {
    const [gus, hal] = await Promise.all([server.actor(`gus${rand().slice(0, 5)}`), server.actor(`hal${rand().slice(0, 5)}`)]);
    await remoteId(hal);
    await deliver(activityOf(gus, "Update", { ...hal.document, name: "Hijacked" }), gus);
    expect((await remoteActorStub(env, hal.uri).get())?.account.display_name).not.toBe("Hijacked");
  });
});

describe("Delete of an actor", () => {
  it("removes its statuses and follows both ways, and ignores it afterwards", async () => {
    const [ivy, alice] = await Promise.all([server.actor(`ivy${rand().slice(0, 5)}`), localUser("survivor")]);
    const ivyId = await followRemote(alice, ivy);
    await deliver(followOf(ivy, alice), ivy);
    const note = noteOf(ivy);
    await deliver(createOf(ivy, note), ivy);
    expect(byUri(await homeOf(alice), note.id as string)).toBeDefined();
    await deliver(activityOf(ivy, "Delete", ivy.uri, { to: [AS_PUBLIC] }), ivy);
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
    expect(await relationship(alice, ivyId)).toMatchObject({ following: false, followed_by: false });
    const me = await credentials(alice);
    expect([me.following_count, me.followers_count]).toEqual([0, 0]);
    const later = noteOf(ivy);
    await deliver(createOf(ivy, later), ivy);
    expect(await remoteActorStub(env, ivy.uri).statusByUri(later.id as string)).toBeNull();
  });
});

describe("Move", () => {
  it("moves local followers to the new account when it lists the old one in alsoKnownAs", async () => {
    const [jay, alice] = await Promise.all([server.actor(`jay${rand().slice(0, 5)}`), localUser("mover")]);
    const jayId = await followRemote(alice, jay);
    const newJay = await server.actor(`jay2${rand().slice(0, 5)}`, { alsoKnownAs: [jay.uri] });
    await deliver(activityOf(jay, "Move", jay.uri, { target: newJay.uri }), jay);
    const newId = await remoteId(newJay);
    expect((await relationship(alice, jayId)).following).toBe(false);
    // A follow of a remote account waits for its Accept.
    expect((await relationship(alice, newId)).requested).toBe(true);
  });

  it("refuses a Move to an account that does not list the old one", async () => {
    const [kim, alice] = await Promise.all([server.actor(`kim${rand().slice(0, 5)}`), localUser("stayer")]);
    const kimId = await followRemote(alice, kim);
    const stranger = await server.actor(`kim2${rand().slice(0, 5)}`);
    await deliver(activityOf(kim, "Move", kim.uri, { target: stranger.uri }), kim);
    expect((await relationship(alice, kimId)).following).toBe(true);
    expect((await relationship(alice, await remoteId(stranger))).requested).toBe(false);
  });
});

describe("Flag", () => {
  it("stores a report about a local account and its statuses, once per activity", async () => {
    const [mod, alice] = await Promise.all([server.actor(`mod${rand().slice(0, 5)}`), localUser("reported")]);
    const post = await api("/api/v1/statuses", jsonBody("POST", { status: "offending" }, alice.token));
    const status = (await post.json()) as { id: string };
    const flag = activityOf(mod, "Flag", [localActor(alice), localStatusUri(alice, status.id)], { content: "spam" });
    await deliver(flag, mod);
    await deliver(flag, mod);
    await deliver({ ...flag, id: flag.id }, mod);
    const reports = await directoryStub(env).reports({ targetAccountId: alice.id });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ comment: "spam", statusIds: [status.id], reporterUri: mod.uri, reporterId: await remoteId(mod) });
  });
});

describe("Add and Remove (featured)", () => {
  it("pins and unpins a status on the actor's featured collection", async () => {
    const lou = await server.actor(`lou${rand().slice(0, 5)}`);
    const note = noteOf(lou);
    server.peer.serveJson(new URL(note.id as string).pathname, note);
    const featured = `${lou.uri}/collections/featured`;
    await deliver(activityOf(lou, "Add", note.id, { target: featured }), lou);
    const pinned = async () =>
      (await remoteActorStub(env, lou.uri).accountStatuses(null, { page: { limit: 20 }, pinned: true, exclude_replies: false, exclude_reblogs: false, only_media: false, tagged: null })) as any;
    expect((await pinned()).value.map((s: any) => s.uri)).toEqual([note.id]);
    await deliver(activityOf(lou, "Remove", note.id, { target: featured }), lou);
    expect((await pinned()).value).toEqual([]);
    // Another collection is not the featured one.
    await deliver(activityOf(lou, "Add", note.id, { target: `${lou.uri}/collections/other` }), lou);
    expect((await pinned()).value).toEqual([]);
  });
});
