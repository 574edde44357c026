import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { accountStub, deliveryStub, instanceActorStub, remoteActorStub } from "../../core/stubs";
import { parseCavageHeader, signedRequestHeaders } from "../../lib/federation/http-signatures-cavage";
import { importPublicKeyPem } from "../../lib/federation/keys";
import { digestHeader } from "../../lib/federation/digest";

import { snowflake } from "../../lib/ids";
import { parseHandle, selfLink, webfingerUrl } from "../../lib/federation/webfinger";
import type { StatusRecord } from "../../schemas/records";
import { api, BASE, bearer, jsonBody, must, registerUser, uniqueName, type TestUser } from "./helpers";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork, type PeerActor, type RecordedRequest } from "./federation-peer";
import { expectSchema } from "./openapi";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";
import type { RemoteActor } from "../../objects/federation/actor-document";

/**
 * Outbound federation: each local action that concerns a remote account or audience becomes a
 * signed activity delivered to the right inbox by the durable queues (account jobs, then the
 * per-host delivery object), and remote accounts are usable in the client API (lookup via
 * WebFinger, by id, in search, as mentions). The remote side is an in-isolate fake peer.
 */

let peer: FakePeer;
let bob: PeerActor;
let carol: PeerActor;

function serveWebfinger(p: FakePeer): void {
  p.route("/.well-known/webfinger", (req) => {
    const resource = new URL(req.url).searchParams.get("resource") ?? "";
    const m = /^acct:([^@]+)@(.+)$/.exec(resource);
    if (!m || m[2] !== p.host) return new Response("not found", { status: 404 });
    const uri = `${p.origin}/users/${m[1]}`;
    return new Response(JSON.stringify({ subject: resource, links: [{ rel: "self", type: "application/activity+json", href: uri }] }), {
      headers: { "content-type": "application/jrd+json" },
    });
  });
}

beforeAll(async () => {
  peer = new FakePeer(peerHost("out"));
  serveWebfinger(peer);
  bob = await peer.addActor("bob");
  carol = await peer.addActor("carol", { manuallyApprovesFollowers: true });
  installFakeNetwork(peer);
  // The instance origin is learned from the first request served (local mode).
  await api("/api/v1/instance");
});

afterAll(() => uninstallFakeNetwork());

async function known(actor: PeerActor): Promise<RemoteActor> {
  const resolved = await resolveRemoteActor(env, actor.uri, { origin: BASE });
  if (!resolved.ok) throw new Error(resolved.error);
  return resolved.value;
}

type Activity = Record<string, any>;

function deliveries(filter: (a: Activity, r: RecordedRequest) => boolean = () => true): { activity: Activity; request: RecordedRequest }[] {
  return peer
    .received((r) => r.method === "POST")
    .map((request) => ({ request, activity: JSON.parse(new TextDecoder().decode(request.body)) as Activity }))
    .filter(({ activity, request }) => filter(activity, request));
}

/** Runs the user's jobs and the peer's delivery queue until `check` finds what it waits for (bounded). */
async function delivered(user: TestUser, check: (a: Activity, r: RecordedRequest) => boolean): Promise<{ activity: Activity; request: RecordedRequest }> {
  for (let i = 0; i < 60; i++) {
    await runDurableObjectAlarm(accountStub(env, user.id));
    await runDurableObjectAlarm(deliveryStub(env, peer.host));
    const found = deliveries(check);
    if (found.length) return found[found.length - 1];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("no matching delivery arrived");
}

async function verifiedSignature(req: RecordedRequest, user: TestUser): Promise<string> {
  const sig = parseCavageHeader(req.headers.get("signature")!)!;
  const url = new URL(req.url);
  const signingString = sig.headers
    .map((h) => (h === "(request-target)" ? `(request-target): post ${url.pathname}${url.search}` : `${h}: ${req.headers.get(h)}`))
    .join("\n");
  const record = (await accountStub(env, user.id).get())!;
  const key = (await importPublicKeyPem(record.public_key_pem))!.key;
  const signature = Uint8Array.from(atob(sig.signature), (c) => c.charCodeAt(0));
  expect(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, new TextEncoder().encode(signingString))).toBe(true);
  expect(req.headers.get("digest")).toBe(await digestHeader(req.body));
  return sig.keyId;
}

const actorOf = (u: TestUser) => `${BASE}/users/${u.username}`;

/** Makes `actor` a follower of `user` the way the inbound Follow handler does. */
async function remoteFollows(user: TestUser, actor: PeerActor, followId = `${actor.uri}#follows/${snowflake()}`) {
  const remote = await known(actor);
  const result = must(
    "receiveRemoteFollow",
    await accountStub(env, user.id).receiveRemoteFollow({
      follower: remote.account,
      follow: { id: followId, actor: actor.uri, object: actorOf(user) },
      inbox: remote.inbox,
      sharedInbox: remote.sharedInbox,
    }),
  );
  return { remote, followId, state: result.state };
}

async function postStatus(user: TestUser, body: Record<string, unknown>): Promise<any> {
  const res = await api("/api/v1/statuses", jsonBody("POST", body, user.token));
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

describe("WebFinger client (pure)", () => {
  it("parses handles with or without @ and acct:, ports included", () => {
    expect(parseHandle("@bob@example.com")).toEqual({ username: "bob", domain: "example.com" });
    expect(parseHandle("acct:Bob@Example.COM")).toEqual({ username: "Bob", domain: "example.com" });
    expect(parseHandle("bob@127.0.0.1:8787")).toEqual({ username: "bob", domain: "127.0.0.1:8787" });
    for (const bad of ["bob", "@bob", "bob@", "a@@b", "bob@exa mple.com", "bob@example.com/x"]) expect(parseHandle(bad)).toBeNull();
  });

  it("asks over https, over http only for loopback/private hosts when the test setting allows it", () => {
    const handle = { username: "bob", domain: "127.0.0.1:8787" };
    expect(webfingerUrl(handle, { allowPrivate: false })).toBe("https://127.0.0.1:8787/.well-known/webfinger?resource=acct%3Abob%40127.0.0.1%3A8787");
    expect(webfingerUrl(handle, { allowPrivate: true })).toMatch(/^http:\/\/127\.0\.0\.1:8787\//);
    expect(webfingerUrl({ username: "bob", domain: "example.com" }, { allowPrivate: true })).toMatch(/^https:\/\/example\.com\//);
  });

  it("takes the ActivityStreams self link", () => {
    const links = [
      { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: "https://x.test/@bob" },
      { rel: "self", type: "text/html", href: "https://x.test/bob.html" },
      { rel: "self", type: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', href: "https://x.test/users/bob" },
    ];
    expect(selfLink({ links })).toBe("https://x.test/users/bob");
    expect(selfLink({ links: [{ rel: "self", href: "javascript:alert(1)" }] })).toBeNull();
    expect(selfLink("nope")).toBeNull();
  });
});

describe("remote accounts in the client API", () => {
  it("looks up user@domain through WebFinger and the actor, then serves it by id", async () => {
    const viewer = await registerUser(uniqueName("look"));
    const res = await api(`/api/v1/accounts/lookup?acct=bob@${peer.host}`, { headers: bearer(viewer.token) });
    expect(res.status).toBe(200);
    const account = await res.json<any>();
    expectSchema(account, "Account");
    expect(account.acct).toBe(`bob@${peer.host}`);
    expect(account.uri).toBe(bob.uri);
    expect(account.id).toMatch(/^\d+$/);
    const byId = await api(`/api/v1/accounts/${account.id}`);
    expect(byId.status).toBe(200);
    expect((await byId.json<any>()).acct).toBe(`bob@${peer.host}`);
    const many = await api(`/api/v1/accounts?id[]=${account.id}`);
    expect((await many.json<any[]>()).map((a) => a.id)).toEqual([account.id]);
    // The WebFinger answer is kept: a second lookup asks nothing of the peer.
    const asked = peer.received((r) => r.url.includes("/.well-known/webfinger")).length;
    const again = await api(`/api/v1/accounts/lookup?acct=BOB@${peer.host}`);
    expect((await again.json<any>()).id).toBe(account.id);
    expect(peer.received((r) => r.url.includes("/.well-known/webfinger")).length).toBe(asked);
    const rel = await api(`/api/v1/accounts/relationships?id[]=${account.id}`, { headers: bearer(viewer.token) });
    expect(rel.status).toBe(200);
    expect((await rel.json<any[]>())[0]).toMatchObject({ id: account.id, following: false, followed_by: false });
  });

  it("answers 404 for an unknown remote handle and a malformed one", async () => {
    expect((await api(`/api/v1/accounts/lookup?acct=nobody@${peer.host}`)).status).toBe(404);
    expect((await api(`/api/v1/accounts/lookup?acct=bob@unreachable-${snowflake()}.invalid`)).status).toBe(404);
    expect((await api(`/api/v1/accounts/lookup?acct=a@@b`)).status).toBe(404);
  });

  it("search with resolve=true finds @user@domain and an actor URL", async () => {
    const viewer = await registerUser(uniqueName("srch"));
    const byHandle = await api(`/api/v2/search?resolve=true&q=${encodeURIComponent(`@bob@${peer.host}`)}`, { headers: bearer(viewer.token) });
    expect(byHandle.status).toBe(200);
    const found = await byHandle.json<any>();
    expectSchema(found, "Search");
    expect(found.accounts.map((a: any) => a.acct)).toContain(`bob@${peer.host}`);
    const byUrl = await api(`/api/v2/search?resolve=true&type=accounts&q=${encodeURIComponent(bob.uri)}`, { headers: bearer(viewer.token) });
    expect((await byUrl.json<any>()).accounts.map((a: any) => a.uri)).toEqual([bob.uri]);
  });

  it("search with resolve=true fetches a remote status by its URL and stores it", async () => {
    const viewer = await registerUser(uniqueName("surl"));
    const noteUri = `${bob.uri}/statuses/${snowflake()}`;
    peer.serveJson(new URL(noteUri).pathname, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: noteUri,
      type: "Note",
      attributedTo: bob.uri,
      content: "<p>found by URL</p>",
      published: new Date().toISOString(),
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${bob.uri}/followers`],
    });
    const search = (q: string) => api(`/api/v2/search?resolve=true&q=${encodeURIComponent(q)}`, { headers: bearer(viewer.token) });
    const res = await search(noteUri);
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expectSchema(body, "Search");
    expect(body.statuses).toHaveLength(1);
    expect(body.statuses[0]).toMatchObject({ uri: noteUri, content: "<p>found by URL</p>" });
    expect(body.statuses[0].account.acct).toBe(`bob@${peer.host}`);
    const byId = await api(`/api/v1/statuses/${body.statuses[0].id}`, { headers: bearer(viewer.token) });
    expect(byId.status).toBe(200);
    // Found again without a fetch: the same local id.
    const fetches = peer.received((r) => r.url === noteUri).length;
    const again = await (await search(noteUri)).json<any>();
    expect(again.statuses.map((s: any) => s.id)).toEqual([body.statuses[0].id]);
    expect(peer.received((r) => r.url === noteUri).length).toBe(fetches);
    // Unusable URLs find nothing (and are not a 500).
    const none = await (await search(`${peer.origin}/nothing-here`)).json<any>();
    expect(none).toMatchObject({ accounts: [], statuses: [] });
  });
});

describe("the social graph with remote accounts", () => {
  it("a follow sends a signed Follow and stays requested; an unfollow sends its Undo", async () => {
    const alice = await registerUser(uniqueName("fol"));
    const remote = await known(bob);
    const res = await api(`/api/v1/accounts/${remote.id}/follow`, jsonBody("POST", {}, alice.token));
    expect(res.status).toBe(200);
    expect(await res.json<any>()).toMatchObject({ following: false, requested: true });
    const follow = await delivered(alice, (a) => a.type === "Follow" && a.actor === actorOf(alice));
    expect(follow.activity.object).toBe(bob.uri);
    expect(follow.request.url).toBe(`${bob.uri}/inbox`);
    expect(await verifiedSignature(follow.request, alice)).toBe(`${actorOf(alice)}#main-key`);

    const un = await api(`/api/v1/accounts/${remote.id}/unfollow`, jsonBody("POST", {}, alice.token));
    expect(await un.json<any>()).toMatchObject({ following: false, requested: false });
    const undo = await delivered(alice, (a) => a.type === "Undo" && a.actor === actorOf(alice));
    expect(undo.activity.object).toMatchObject({ id: follow.activity.id, type: "Follow", object: bob.uri });
  });

  it("a remote Follow of an open account is accepted at once: Accept with the Follow embedded", async () => {
    const alice = await registerUser(uniqueName("acc"));
    const { followId, state, remote } = await remoteFollows(alice, bob);
    expect(state).toBe("accepted");
    const accept = await delivered(alice, (a) => a.type === "Accept" && a.actor === actorOf(alice));
    expect(accept.activity.object).toMatchObject({ id: followId, type: "Follow", actor: bob.uri, object: actorOf(alice) });
    const rel = await api(`/api/v1/accounts/relationships?id[]=${remote.id}`, { headers: bearer(alice.token) });
    expect((await rel.json<any[]>())[0].followed_by).toBe(true);
  });

  it("a locked account answers a remote request when it decides: Accept on authorize, Reject on reject", async () => {
    const alice = await registerUser(uniqueName("lck"));
    await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { locked: true }, alice.token));
    const { state, remote, followId } = await remoteFollows(alice, bob);
    expect(state).toBe("requested");
    const requests = await api("/api/v1/follow_requests", { headers: bearer(alice.token) });
    expect((await requests.json<any[]>()).map((a) => a.id)).toContain(remote.id);
    await api(`/api/v1/follow_requests/${remote.id}/authorize`, jsonBody("POST", {}, alice.token));
    const accept = await delivered(alice, (a) => a.type === "Accept" && a.actor === actorOf(alice));
    expect(accept.activity.object.id).toBe(followId);

    const other = await remoteFollows(alice, carol);
    expect(other.state).toBe("requested");
    await api(`/api/v1/follow_requests/${other.remote.id}/reject`, jsonBody("POST", {}, alice.token));
    const reject = await delivered(alice, (a) => a.type === "Reject" && a.actor === actorOf(alice));
    expect(reject.activity.object).toMatchObject({ id: other.followId, actor: carol.uri });
  });

  it("a block sends Block (and ends the follow); an unblock sends Undo(Block)", async () => {
    const alice = await registerUser(uniqueName("blk"));
    const remote = await known(carol);
    await api(`/api/v1/accounts/${remote.id}/follow`, jsonBody("POST", {}, alice.token));
    await delivered(alice, (a) => a.type === "Follow" && a.actor === actorOf(alice));
    const res = await api(`/api/v1/accounts/${remote.id}/block`, jsonBody("POST", {}, alice.token));
    expect(await res.json<any>()).toMatchObject({ blocking: true, requested: false, following: false });
    const block = await delivered(alice, (a) => a.type === "Block" && a.actor === actorOf(alice));
    expect(block.activity.object).toBe(carol.uri);
    expect(deliveries((a) => a.type === "Undo" && a.actor === actorOf(alice) && a.object.type === "Follow")).toHaveLength(1);
    await api(`/api/v1/accounts/${remote.id}/unblock`, jsonBody("POST", {}, alice.token));
    const undo = await delivered(alice, (a) => a.type === "Undo" && a.actor === actorOf(alice) && a.object.type === "Block");
    expect(undo.activity.object.id).toBe(block.activity.id);
  });
});

describe("statuses reach the remote audience", () => {
  it("a post goes to remote followers' shared inbox as a Create; an edit as Update; a delete as Delete", async () => {
    const alice = await registerUser(uniqueName("pst"));
    await remoteFollows(alice, bob);
    const status = await postStatus(alice, { status: "Hello fediverse", visibility: "public" });
    const create = await delivered(alice, (a) => a.type === "Create" && a.object?.content?.includes("Hello fediverse"));
    expect(create.request.url).toBe(`${peer.origin}/inbox`);
    expect(create.activity.object).toMatchObject({
      id: `${actorOf(alice)}/statuses/${status.id}`,
      type: "Note",
      attributedTo: actorOf(alice),
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actorOf(alice)}/followers`],
    });
    await verifiedSignature(create.request, alice);

    const edit = await api(`/api/v1/statuses/${status.id}`, jsonBody("PUT", { status: "Hello again" }, alice.token));
    expect(edit.status).toBe(200);
    const update = await delivered(alice, (a) => a.type === "Update" && a.object?.id === create.activity.object.id);
    expect(update.activity.object.content).toContain("Hello again");
    expect(update.activity.object.updated).toBeTruthy();

    await api(`/api/v1/statuses/${status.id}`, { method: "DELETE", headers: bearer(alice.token) });
    const del = await delivered(alice, (a) => a.type === "Delete" && a.actor === actorOf(alice));
    expect(del.activity.object).toMatchObject({ id: create.activity.object.id, type: "Tombstone" });
  });

  it("followers-only posts are addressed to the followers; direct posts go to mentioned remote actors only", async () => {
    const alice = await registerUser(uniqueName("vis"));
    await remoteFollows(alice, bob);
    await postStatus(alice, { status: "for followers", visibility: "private" });
    const priv = await delivered(alice, (a) => a.type === "Create" && a.object?.content?.includes("for followers"));
    expect(priv.activity.object.to).toEqual([`${actorOf(alice)}/followers`]);
    expect(priv.activity.object.cc).toEqual([]);

    const direct = await postStatus(alice, { status: `psst @carol@${peer.host}`, visibility: "direct" });
    expect(direct.mentions.map((m: any) => m.acct)).toEqual([`carol@${peer.host}`]);
    expect(direct.content).toContain(`href="${peer.origin}/@carol"`);
    const dm = await delivered(alice, (a) => a.type === "Create" && a.object?.content?.includes("psst"));
    expect(dm.request.url).toBe(`${peer.origin}/inbox`);
    expect(dm.activity.object.to).toEqual([carol.uri]);
    expect(dm.activity.object.tag).toContainEqual({ type: "Mention", href: carol.uri, name: `@carol@${peer.host}` });
  });

  it("a public post mentioning a remote account that does not follow reaches it too", async () => {
    const alice = await registerUser(uniqueName("men"));
    await postStatus(alice, { status: `hi @bob@${peer.host} and @nobody@${peer.host}`, visibility: "public" });
    const create = await delivered(alice, (a) => a.type === "Create" && a.object?.content?.includes("hi "));
    expect(create.activity.object.cc).toContain(bob.uri);
    expect(create.activity.object.content).toContain("@nobody@");
  });

  it("a profile change sends Update(Person) to remote followers; a pin sends Add", async () => {
    const alice = await registerUser(uniqueName("prf"));
    await remoteFollows(alice, bob);
    await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { display_name: "Alice Remote" }, alice.token));
    const update = await delivered(alice, (a) => a.type === "Update" && a.object?.type === "Person");
    expect(update.activity.object).toMatchObject({ id: actorOf(alice), name: "Alice Remote" });

    const status = await postStatus(alice, { status: "pin me", visibility: "public" });
    await api(`/api/v1/statuses/${status.id}/pin`, jsonBody("POST", {}, alice.token));
    const add = await delivered(alice, (a) => a.type === "Add" && a.actor === actorOf(alice));
    expect(add.activity).toMatchObject({ target: `${actorOf(alice)}/collections/featured`, object: `${actorOf(alice)}/statuses/${status.id}` });
    await api(`/api/v1/statuses/${status.id}/unpin`, jsonBody("POST", {}, alice.token));
    await delivered(alice, (a) => a.type === "Remove" && a.actor === actorOf(alice));
  });
});

describe("authorized fetch", () => {
  it("serves a followers-only status to a GET signed by a remote follower, and to nobody else", async () => {
    const alice = await registerUser(uniqueName("afe"));
    await remoteFollows(alice, bob);
    await known(carol);
    const status = await postStatus(alice, { status: "only for followers", visibility: "private" });
    const url = `${actorOf(alice)}/statuses/${status.id}`;
    const as2 = { accept: "application/activity+json" };
    expect((await SELF.fetch(url, { headers: as2 })).status).toBe(404);
    const signedBy = async (actor: PeerActor) =>
      SELF.fetch(url, { headers: { ...(await signedRequestHeaders(actor.privateKey, { method: "GET", url, keyId: actor.keyId })) } });
    const byFollower = await signedBy(bob);
    expect(byFollower.status).toBe(200);
    expect(await byFollower.json<any>()).toMatchObject({ id: url, type: "Note", to: [`${actorOf(alice)}/followers`] });
    expect((await signedBy(carol)).status).toBe(404);
  });
});

describe("interactions with remote statuses", () => {
  async function remoteStatus(author: PeerActor, content = "<p>remote post</p>", extra: Partial<StatusRecord> = {}): Promise<StatusRecord> {
    const remote = await known(author);
    const id = snowflake();
    const uri = `${author.uri}/statuses/${id}`;
    const record: StatusRecord = {
      id,
      uri,
      url: uri,
      account: remote.account,
      in_reply_to_id: null,
      in_reply_to_account_id: null,
      conversation_id: id,
      reblog: null,
      content,
      spoiler_text: "",
      visibility: "public",
      sensitive: false,
      language: "en",
      created_at: new Date().toISOString(),
      edited_at: null,
      replies_count: 0,
      reblogs_count: 0,
      favourites_count: 0,
      mentions: [],
      tags: [],
      poll: null,
      application: null,
      ...extra,
    };
    const stub = remoteActorStub(env, author.uri);
    const stored = await stub.storeStatus({ record, inReplyToUri: null, parent: null, reblogOf: null, audience: [], fanout: false });
    // The link step (index) runs as the remote object's job.
    for (let i = 0; i < 20 && (await api(`/api/v1/statuses/${stored.id}`)).status !== 200; i++) await runDurableObjectAlarm(stub);
    return { ...record, id: stored.id };
  }

  it("favourite sends Like to the author; unfavourite sends Undo(Like)", async () => {
    const alice = await registerUser(uniqueName("lik"));
    const status = await remoteStatus(bob);
    const fav = await api(`/api/v1/statuses/${status.id}/favourite`, jsonBody("POST", {}, alice.token));
    expect(fav.status, await fav.clone().text()).toBe(200);
    expect(await fav.json<any>()).toMatchObject({ favourited: true, favourites_count: 1 });
    const like = await delivered(alice, (a) => a.type === "Like" && a.actor === actorOf(alice));
    expect(like.activity.object).toBe(status.uri);
    expect(like.request.url).toBe(`${bob.uri}/inbox`);
    await api(`/api/v1/statuses/${status.id}/unfavourite`, jsonBody("POST", {}, alice.token));
    const undo = await delivered(alice, (a) => a.type === "Undo" && a.actor === actorOf(alice) && a.object?.type === "Like");
    expect(undo.activity.object.id).toBe(like.activity.id);
  });

  it("a boost sends Announce to the author and followers; unboost sends Undo(Announce)", async () => {
    const alice = await registerUser(uniqueName("bst"));
    const status = await remoteStatus(bob);
    const res = await api(`/api/v1/statuses/${status.id}/reblog`, jsonBody("POST", {}, alice.token));
    expect(res.status, await res.clone().text()).toBe(200);
    const boost = await res.json<any>();
    const announce = await delivered(alice, (a) => a.type === "Announce" && a.actor === actorOf(alice));
    expect(announce.activity.object).toBe(status.uri);
    expect(announce.activity.cc).toContain(bob.uri);
    await api(`/api/v1/statuses/${status.id}/unreblog`, jsonBody("POST", {}, alice.token));
    const undo = await delivered(alice, (a) => a.type === "Undo" && a.actor === actorOf(alice) && a.object?.type === "Announce");
    expect(undo.activity.object.id).toBe(`${actorOf(alice)}/statuses/${boost.id}/activity`);
  });

  it("a vote in a remote poll sends one Create(Note{name}) per choice to the poll's author", async () => {
    const alice = await registerUser(uniqueName("vot"));
    const pollId = snowflake();
    const status = await remoteStatus(bob, "<p>which?</p>", {
      poll: {
        id: pollId,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        multiple: true,
        options: [
          { title: "red", votes_count: 0 },
          { title: "blue", votes_count: 0 },
        ],
        votes_count: 0,
        voters_count: 0,
      },
    });
    const res = await api(`/api/v1/polls/${status.id}/votes`, jsonBody("POST", { choices: [0, 1] }, alice.token));
    expect(res.status, await res.clone().text()).toBe(200);
    const blue = await delivered(alice, (a) => a.type === "Create" && a.object?.name === "blue");
    expect(blue.activity.object).toMatchObject({ inReplyTo: status.uri, attributedTo: actorOf(alice), to: [bob.uri] });
    expect(deliveries((a) => a.type === "Create" && a.actor === actorOf(alice) && a.object?.inReplyTo === status.uri).map((d) => d.activity.object.name).sort()).toEqual([
      "blue",
      "red",
    ]);
  });

  it("a remote account's statuses and (empty) collections are served by its local id", async () => {
    const viewer = await registerUser(uniqueName("ras"));
    const status = await remoteStatus(carol, "<p>carol speaks</p>");
    const remote = await known(carol);
    const res = await api(`/api/v1/accounts/${remote.id}/statuses`, { headers: bearer(viewer.token) });
    expect(res.status).toBe(200);
    expect((await res.json<any[]>()).map((s) => s.id)).toContain(status.id);
    const followers = await api(`/api/v1/accounts/${remote.id}/followers`);
    expect(followers.status).toBe(200);
    expect(await followers.json()).toEqual([]);
  });

  it("a reply to a remote status names it in inReplyTo and reaches its author", async () => {
    const alice = await registerUser(uniqueName("rpl"));
    const status = await remoteStatus(bob);
    const reply = await postStatus(alice, { status: `@bob@${peer.host} indeed`, in_reply_to_id: status.id });
    expect(reply.in_reply_to_id).toBe(status.id);
    const create = await delivered(alice, (a) => a.type === "Create" && a.object?.content?.includes("indeed"));
    expect(create.activity.object.inReplyTo).toBe(status.uri);
  });
});

describe("instance origin", () => {
  it("is the origin of the first request served (local mode), kept by the instance actor", async () => {
    expect(await instanceActorStub(env).origin()).toBe(BASE);
    expect(await instanceActorStub(env).rememberOrigin("http://elsewhere.test")).toBe(BASE);
  });
});
