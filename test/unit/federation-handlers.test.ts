import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AS_PUBLIC } from "../../lib/federation/context";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import {
  activityOf,
  byUri,
  createOf,
  deliver,
  drain,
  followRemote,
  getJson,
  homeOf,
  localStatusUri,
  localUser,
  mentionTag,
  noteOf,
  notificationsOf,
  post as postActivity,
  processed,
  rand,
  remoteId,
  remoteServer,
  type Remote,
} from "./federation-handlers-helpers";
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { accountStub } from "../../core/stubs";
import { signRequest as fedifySign } from "@fedify/fedify/sig";
import { remoteStatusByUri } from "../../objects/status-index/locate";
import { api, jsonBody, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";

/**
 * Inbound statuses (Create, Update, Delete, Announce, Like, Undo, poll votes): real signed
 * activities from a fake remote server, processed by the inbox alarm, checked through the API.
 */
let server: Remote;
let other: Remote;
let carol: PeerActor;
let alice: TestUser;
let anna: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = remoteServer("fh");
  other = remoteServer("fh-other");
  carol = await server.actor("carol");
  [alice, anna, bob] = await Promise.all([localUser("alice"), localUser("anna"), localUser("bob")]);
  await followRemote(alice, carol);
  await followRemote(anna, carol);
});
afterAll(() => uninstallFakeNetwork());

async function postLocal(user: TestUser, body: Record<string, unknown>): Promise<any> {
  const res = await api("/api/v1/statuses", jsonBody("POST", body, user.token));
  const json: any = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function statusOf(id: string, token?: string) {
  return getJson(`/api/v1/statuses/${id}`, token);
}

/** POSTs a signed activity and expects the inbox to refuse it. */
async function expectRefused(activity: Record<string, unknown>, actor: PeerActor, status: number, message: RegExp): Promise<void> {
  const request = new Request("https://pronghorn.test/inbox", { method: "POST", body: JSON.stringify(activity), headers: { "content-type": "application/activity+json" } });
  const res = await SELF.fetch(await fedifySign(request, actor.privateKey, new URL(actor.keyId)));
  expect(res.status).toBe(status);
  expect(((await res.json()) as { error: string }).error).toMatch(message);
}

/** Delivers a Create of `note` by `actor`, processed and fanned out. */
async function created(note: Record<string, unknown>, actor: PeerActor = carol): Promise<void> {
  const entry = await deliver(createOf(actor, note), actor);
  expect(entry).toMatchObject({ state: "done", outcome: "handled" });
}

describe("Create", () => {
  it("delivers a public post to exactly the local followers, the public and hashtag timelines", async () => {
    const note = noteOf(carol, {
      content: '<p>Kites <a href="https://example.com/tags/flying" class="hashtag">#flying</a></p>',
      tag: [{ type: "Hashtag", href: `${server.peer.origin}/tags/flying`, name: "#Flying" }],
    });
    await created(note);
    const [aliceHome, annaHome, bobHome] = await Promise.all([homeOf(alice), homeOf(anna), homeOf(bob)]);
    const seen = byUri(aliceHome, note.id as string);
    expect(seen).toBeDefined();
    expect(byUri(annaHome, note.id as string)?.id).toBe(seen.id);
    expect(byUri(bobHome, note.id as string)).toBeUndefined();
    expect(seen.account).toMatchObject({ id: await remoteId(carol), acct: `carol@${server.peer.host}`, uri: carol.uri });
    expect(seen).toMatchObject({ visibility: "public", uri: note.id, tags: [{ name: "flying" }] });
    expect(seen.content).toContain("#flying</a>");

    const single = await statusOf(seen.id, bob.token);
    expect(single.status).toBe(200);
    expectSchema(single.body, "Status");
    expect((await statusOf(seen.id)).status).toBe(200);
    const publicIds = (await getJson("/api/v1/timelines/public?limit=40", bob.token)).body.map((s: any) => s.id);
    expect(publicIds).toContain(seen.id);
    expect((await getJson("/api/v1/timelines/public?local=true&limit=40", bob.token)).body.map((s: any) => s.id)).not.toContain(seen.id);
    expect((await getJson("/api/v1/timelines/tag/flying?limit=40", bob.token)).body.map((s: any) => s.id)).toContain(seen.id);
  });

  it("is idempotent: the same activity twice, or a new Create of the same note, changes nothing", async () => {
    const note = noteOf(carol);
    const create = createOf(carol, note);
    await created(note);
    await deliver(create, carol);
    await deliver(createOf(carol, note), carol);
    const matching = (await homeOf(alice)).filter((s) => s.uri === note.id);
    expect(matching).toHaveLength(1);
  });

  it("notifies a mention only when the account is both in a Mention tag and addressed", async () => {
    const tagged = noteOf(carol, { content: "<p>@bob hi</p>", cc: [`${carol.uri}/followers`, `${"https://pronghorn.test"}/users/${bob.username}`], tag: [mentionTag(bob)] });
    const tagOnly = noteOf(carol, { content: "<p>@bob not addressed</p>", tag: [mentionTag(bob)] });
    const addressedOnly = noteOf(carol, { content: "<p>silent</p>", cc: [`${carol.uri}/followers`, `https://pronghorn.test/users/${bob.username}`] });
    for (const n of [tagged, tagOnly, addressedOnly]) await created(n);
    const mentions = await notificationsOf(bob, "mention");
    const uris = mentions.map((n) => n.status.uri);
    expect(uris).toContain(tagged.id);
    expect(uris).not.toContain(tagOnly.id);
    expect(uris).not.toContain(addressedOnly.id);
    const mention = mentions.find((n) => n.status.uri === tagged.id);
    expectSchema(mention, "Notification");
    expect(mention.status.mentions.map((m: any) => m.id)).toEqual([bob.id]);
    // bob does not follow carol: the mention is not in his home.
    expect(byUri(await homeOf(bob), tagged.id as string)).toBeUndefined();
  });

  it("keeps a followers-only post with the followers (visibility from addressing)", async () => {
    const note = noteOf(carol, { content: "<p>for followers</p>", to: [`${carol.uri}/followers`], cc: [] });
    await created(note);
    const seen = byUri(await homeOf(alice), note.id as string);
    expect(seen?.visibility).toBe("private");
    expect(byUri(await homeOf(bob), note.id as string)).toBeUndefined();
    expect((await statusOf(seen.id, alice.token)).status).toBe(200);
    expect((await statusOf(seen.id, bob.token)).status).toBe(404);
    expect((await statusOf(seen.id)).status).toBe(404);
    expect((await getJson("/api/v1/timelines/public?limit=40", alice.token)).body.map((s: any) => s.id)).not.toContain(seen.id);
  });

  it("makes an unlisted post (Public in cc) reach followers but not the public timeline", async () => {
    const note = noteOf(carol, { to: [`${carol.uri}/followers`], cc: [AS_PUBLIC] });
    await created(note);
    const seen = byUri(await homeOf(alice), note.id as string);
    expect(seen?.visibility).toBe("unlisted");
    expect((await getJson("/api/v1/timelines/public?limit=40", alice.token)).body.map((s: any) => s.id)).not.toContain(seen.id);
  });

  it("delivers a direct message to the mentioned account only, as a conversation", async () => {
    const bobUri = `https://pronghorn.test/users/${bob.username}`;
    const note = noteOf(carol, { content: "<p>@bob psst</p>", to: [bobUri], cc: [], tag: [mentionTag(bob)] });
    await created(note);
    // A private mention from a stranger is filtered by Mastodon's default policy: it waits among the requests.
    const filtered = (await getJson("/api/v1/notifications?include_filtered=true&types[]=mention", bob.token)).body as any[];
    const mention = filtered.find((n) => n.status.uri === note.id);
    expect((await notificationsOf(bob, "mention")).find((n) => n.status.uri === note.id)).toBeUndefined();
    expect(mention?.status.visibility).toBe("direct");
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
    expect((await statusOf(mention.status.id, alice.token)).status).toBe(404);
    expect((await statusOf(mention.status.id, bob.token)).status).toBe(200);
    const conversations = (await getJson("/api/v1/conversations", bob.token)).body;
    const conversation = conversations.find((c: any) => c.last_status?.uri === note.id);
    expect(conversation).toBeDefined();
    expectSchema(conversation, "Conversation");
    expect(conversation.accounts.map((a: any) => a.acct)).toContain(`carol@${server.peer.host}`);
  });

  it("converts an Article to a status with its title and link", async () => {
    const article: Record<string, unknown> = { ...noteOf(carol), type: "Article", name: "Long read", url: `${server.peer.origin}/articles/1`, content: "<p>body</p>" };
    await created(article);
    const seen = byUri(await homeOf(alice), article.id as string);
    expect(seen.content).toContain("Long read");
    expect(seen.content).not.toContain("body");
    expect(seen.content).toContain(`${server.peer.origin}/articles/1`);
  });

  it("refuses objects forged for another host: embedded (400), by reference, or attributed to someone else", async () => {
    const dave = await other.actor(`dave${rand().slice(0, 4)}`);
    const forged = noteOf(dave, { content: "<p>dave never said this</p>" });
    await expectRefused(createOf(carol, forged), carol, 400, /not on its actor's host/);
    // By reference: the id is on another host than the sender's, so it is not even fetched.
    other.peer.serveJson(new URL(forged.id as string).pathname, forged);
    const byReference = createOf(carol, forged.id as string);
    expect(await deliver(byReference, carol)).toMatchObject({ state: "done" });
    expect(other.peer.received((r) => r.url === forged.id)).toHaveLength(0);
    expect(await remoteStatusByUri(env, forged.id as string)).toBeNull();
    // Same host, but attributed to another actor.
    const eve = await server.actor(`eve${rand().slice(0, 4)}`);
    const impersonated = noteOf(carol, { extra: { attributedTo: eve.uri } });
    await created(impersonated);
    expect(await remoteStatusByUri(env, impersonated.id as string)).toBeNull();
    expect(byUri(await homeOf(alice), impersonated.id as string)).toBeUndefined();
  });

  it("keeps only posts that concern this server (followers here, local addressees, replies to local posts)", async () => {
    const stranger = await other.actor(`stranger${rand().slice(0, 4)}`);
    const unrelated = noteOf(stranger);
    expect(await deliver(createOf(stranger, unrelated), stranger)).toMatchObject({ state: "done", outcome: "handled" });
    expect(await remoteStatusByUri(env, unrelated.id as string)).toBeNull();
    const bobUri = `https://pronghorn.test/users/${bob.username}`;
    const addressed = noteOf(stranger, { content: "<p>@bob hello</p>", cc: [bobUri], tag: [mentionTag(bob)] });
    await deliver(createOf(stranger, addressed), stranger);
    expect(await remoteStatusByUri(env, addressed.id as string)).not.toBeNull();
    expect((await notificationsOf(bob, "mention")).map((n) => n.status.uri)).toContain(addressed.id);
    const mine = await postLocal(bob, { status: "anyone?" });
    const reply = noteOf(stranger, { inReplyTo: localStatusUri(bob, mine.id) });
    await deliver(createOf(stranger, reply), stranger);
    expect(await remoteStatusByUri(env, reply.id as string)).not.toBeNull();
    expect((await statusOf(mine.id, bob.token)).body.replies_count).toBe(1);
  });

  it("fetches a Create's object given by reference from the sender's own server", async () => {
    const note = noteOf(carol, { content: "<p>by reference</p>" });
    server.peer.serveJson(new URL(note.id as string).pathname, note);
    await deliver(createOf(carol, note.id as string), carol);
    expect(byUri(await homeOf(alice), note.id as string)?.content).toBe("<p>by reference</p>");
  });
});

describe("Delete", () => {
  it("removes a status from homes, timelines and the API", async () => {
    const note = noteOf(carol);
    await created(note);
    const seen = byUri(await homeOf(alice), note.id as string);
    await deliver(activityOf(carol, "Delete", { id: note.id, type: "Tombstone" }), carol);
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
    expect(byUri(await homeOf(anna), note.id as string)).toBeUndefined();
    expect((await statusOf(seen.id, alice.token)).status).toBe(404);
    expect((await getJson("/api/v1/timelines/public?limit=40", alice.token)).body.map((s: any) => s.id)).not.toContain(seen.id);
    // Replayed: nothing left to do.
    expect(await deliver(activityOf(carol, "Delete", note.id), carol)).toMatchObject({ state: "done", outcome: "handled" });
  });

  it("remembers a Delete that arrives before its Create", async () => {
    const note = noteOf(carol);
    await deliver(activityOf(carol, "Delete", { id: note.id, type: "Tombstone" }), carol);
    const entry = await deliver(createOf(carol, note), carol);
    expect(entry).toMatchObject({ state: "done", outcome: "deleted-earlier" });
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
  });

  it("ignores a Delete of someone else's status", async () => {
    const note = noteOf(carol);
    await created(note);
    const mallory = await server.actor(`mallory${rand().slice(0, 4)}`);
    await deliver(activityOf(mallory, "Delete", { id: note.id, type: "Tombstone" }), mallory);
    const stranger = await other.actor(`stranger${rand().slice(0, 4)}`);
    await deliver(activityOf(stranger, "Delete", note.id), stranger);
    expect(byUri(await homeOf(alice), note.id as string)).toBeDefined();
  });
});

describe("Update of a note", () => {
  it("edits the status everywhere and keeps the history; a replay changes nothing", async () => {
    const note = noteOf(carol, { content: "<p>first</p>" });
    await created(note);
    const edited = { ...note, content: "<p>second</p>", updated: new Date(Date.now() + 1000).toISOString() };
    const update = activityOf(carol, "Update", edited, { to: note.to, cc: note.cc });
    await deliver(update, carol);
    const seen = byUri(await homeOf(alice), note.id as string);
    expect(seen.content).toBe("<p>second</p>");
    expect(seen.edited_at).not.toBeNull();
    const history = await getJson(`/api/v1/statuses/${seen.id}/history`, alice.token);
    expect(history.body.map((v: any) => v.content)).toEqual(["<p>first</p>", "<p>second</p>"]);
    for (const version of history.body) expectSchema(version, "StatusEdit");
    await deliver(activityOf(carol, "Update", edited, { to: note.to, cc: note.cc }), carol);
    expect((await getJson(`/api/v1/statuses/${seen.id}/history`, alice.token)).body).toHaveLength(2);
  });

  it("ignores an Update of a status it never received, or of another actor's status", async () => {
    const note = noteOf(carol, { content: "<p>never created</p>" });
    expect(await deliver(activityOf(carol, "Update", note), carol)).toMatchObject({ state: "done" });
    expect(byUri(await homeOf(alice), note.id as string)).toBeUndefined();
    const original = noteOf(carol, { content: "<p>carol's words</p>" });
    await created(original);
    const mallory = await server.actor(`mallory${rand().slice(0, 4)}`);
    await deliver(activityOf(mallory, "Update", { ...original, content: "<p>mallory's words</p>" }), mallory);
    await deliver(activityOf(mallory, "Update", { ...original, attributedTo: mallory.uri, content: "<p>mallory's words</p>" }), mallory);
    expect(byUri(await homeOf(alice), original.id as string)?.content).toBe("<p>carol's words</p>");
  });
});

describe("copies held by local accounts", () => {
  it("a local favourite of a remote status counts, follows its edits and goes with its deletion", async () => {
    const note = noteOf(carol, { content: "<p>v1</p>" });
    await created(note);
    const id = await localIdOf(note.id as string);
    const fav = await api(`/api/v1/statuses/${id}/favourite`, { method: "POST", headers: { authorization: `Bearer ${alice.token}` } });
    expect(fav.status).toBe(200);
    expect(((await fav.json()) as any).favourites_count).toBe(1);
    await deliver(activityOf(carol, "Update", { ...note, content: "<p>v2</p>", updated: new Date(Date.now() + 1000).toISOString() }), carol);
    const favourites = (await getJson("/api/v1/favourites", alice.token)).body;
    expect(favourites.find((s: any) => s.id === id)?.content).toBe("<p>v2</p>");
    await deliver(activityOf(carol, "Delete", { id: note.id, type: "Tombstone" }), carol);
    expect((await getJson("/api/v1/favourites", alice.token)).body.map((s: any) => s.id)).not.toContain(id);
  });
});

describe("replies", () => {
  it("counts a reply to a local status, notifies the mention, and shows it in context", async () => {
    const mine = await postLocal(alice, { status: "what do you think?" });
    const reply = noteOf(carol, {
      content: "<p>@alice I agree</p>",
      inReplyTo: localStatusUri(alice, mine.id),
      cc: [`${carol.uri}/followers`, `https://pronghorn.test/users/${alice.username}`],
      tag: [mentionTag(alice)],
    });
    await created(reply);
    await deliver(createOf(carol, reply), carol);
    const parent = await statusOf(mine.id, alice.token);
    expect(parent.body.replies_count).toBe(1);
    const context = await getJson(`/api/v1/statuses/${mine.id}/context`, alice.token);
    expectSchema(context.body, "Context");
    expect(context.body.descendants.map((s: any) => s.uri)).toEqual([reply.id]);
    const replyId = context.body.descendants[0].id;
    expect(context.body.descendants[0]).toMatchObject({ in_reply_to_id: mine.id, in_reply_to_account_id: alice.id });
    const up = await getJson(`/api/v1/statuses/${replyId}/context`, alice.token);
    expect(up.body.ancestors.map((s: any) => s.id)).toEqual([mine.id]);
    expect((await notificationsOf(alice, "mention")).map((n) => n.status.id)).toContain(replyId);
  });

  it("fetches the parents of a remote reply from their origin, and shows the thread", async () => {
    const dave = await other.actor(`dave${rand().slice(0, 4)}`);
    const root = noteOf(dave, { content: "<p>root</p>" });
    const middle = noteOf(dave, { content: "<p>middle</p>", inReplyTo: root.id as string });
    other.peer.serveJson(new URL(root.id as string).pathname, root);
    other.peer.serveJson(new URL(middle.id as string).pathname, middle);
    const reply = noteOf(carol, { content: "<p>leaf</p>", inReplyTo: middle.id as string });
    await created(reply);
    await drain(dave.uri);
    const seen = byUri(await homeOf(alice), reply.id as string);
    // alice follows carol but not dave: a reply to someone she does not follow stays out of home.
    expect(seen).toBeUndefined();
    const id = await localIdOf(reply.id as string);
    const context = await getJson(`/api/v1/statuses/${id}/context`, alice.token);
    expect(context.body.ancestors.map((s: any) => s.content)).toEqual(["<p>root</p>", "<p>middle</p>"]);
  });
});

/** Runs a local account's due jobs (fan-out, watchers) now. */
async function runLocalJobs(u: TestUser): Promise<void> {
  for (let i = 0; i < 3; i++) await runDurableObjectAlarm(accountStub(env, u.id));
}

/** The local id of a remote status we hold (via the URI index). */
async function localIdOf(uri: string): Promise<string> {
  const entry = await remoteStatusByUri(env, uri);
  if (!entry) throw new Error(`no local id for ${uri}`);
  return entry.id;
}

describe("Like", () => {
  it("favourites a local status once, notifies, and is undone by an embedded Undo or by id", async () => {
    const mine = await postLocal(alice, { status: "like me" });
    const like = activityOf(carol, "Like", localStatusUri(alice, mine.id));
    await deliver(like, carol);
    await deliver(activityOf(carol, "Like", localStatusUri(alice, mine.id)), carol);
    expect((await statusOf(mine.id, alice.token)).body.favourites_count).toBe(1);
    const favourites = (await notificationsOf(alice, "favourite")).filter((n) => n.status.id === mine.id);
    expect(favourites).toHaveLength(1);
    expect(favourites[0].account.acct).toBe(`carol@${server.peer.host}`);
    const by = await getJson(`/api/v1/statuses/${mine.id}/favourited_by`, alice.token);
    expect(by.body.map((a: any) => a.uri)).toEqual([carol.uri]);

    await deliver(activityOf(carol, "Undo", like), carol);
    expect((await statusOf(mine.id, alice.token)).body.favourites_count).toBe(0);

    const again = activityOf(carol, "Like", localStatusUri(alice, mine.id));
    await deliver(again, carol);
    expect((await statusOf(mine.id, alice.token)).body.favourites_count).toBe(1);
    await deliver(activityOf(carol, "Undo", again.id), carol);
    expect((await statusOf(mine.id, alice.token)).body.favourites_count).toBe(0);
  });

  it("refuses a like of a private status by a non-follower", async () => {
    const mine = await postLocal(alice, { status: "followers only", visibility: "private" });
    await deliver(activityOf(carol, "Like", localStatusUri(alice, mine.id)), carol);
    expect((await statusOf(mine.id, alice.token)).body.favourites_count).toBe(0);
  });
});

describe("Announce", () => {
  it("boosts a local status: count, notification, the booster's followers' homes; Undo reverts", async () => {
    const mine = await postLocal(bob, { status: "boost me" });
    const announce = activityOf(carol, "Announce", localStatusUri(bob, mine.id), { to: [AS_PUBLIC], cc: [`${carol.uri}/followers`] });
    await deliver(announce, carol);
    await deliver(activityOf(carol, "Announce", localStatusUri(bob, mine.id), { id: announce.id, to: [AS_PUBLIC] }), carol);
    expect((await statusOf(mine.id, bob.token)).body.reblogs_count).toBe(1);
    const reblogs = (await notificationsOf(bob, "reblog")).filter((n) => n.status.id === mine.id);
    expect(reblogs).toHaveLength(1);
    const boost = (await homeOf(alice)).find((s) => s.reblog?.id === mine.id);
    expect(boost).toMatchObject({ uri: announce.id, account: { uri: carol.uri } });
    expectSchema(boost, "Status");

    await deliver(activityOf(carol, "Undo", { id: announce.id, type: "Announce", actor: carol.uri, object: localStatusUri(bob, mine.id) }), carol);
    expect((await statusOf(mine.id, bob.token)).body.reblogs_count).toBe(0);
    expect((await homeOf(alice)).find((s) => s.reblog?.id === mine.id)).toBeUndefined();
  });

  it("follows the boosted local status's edit and deletion in the booster's followers' homes", async () => {
    const mine = await postLocal(bob, { status: "version one" });
    await deliver(activityOf(carol, "Announce", localStatusUri(bob, mine.id), { to: [AS_PUBLIC] }), carol);
    expect((await homeOf(alice)).find((s) => s.reblog?.id === mine.id)).toBeDefined();
    expect((await api(`/api/v1/statuses/${mine.id}`, jsonBody("PUT", { status: "version two" }, bob.token))).status).toBe(200);
    await runLocalJobs(bob);
    await drain(carol.uri);
    expect((await homeOf(alice)).find((s) => s.reblog?.id === mine.id)?.reblog.content).toContain("version two");
    expect((await api(`/api/v1/statuses/${mine.id}`, { method: "DELETE", headers: { authorization: `Bearer ${bob.token}` } })).status).toBe(200);
    await runLocalJobs(bob);
    await drain(carol.uri);
    expect((await homeOf(alice)).find((s) => s.reblog?.id === mine.id)).toBeUndefined();
  });

  it("fetches a boosted remote status from its origin, never trusting a copy from elsewhere", async () => {
    const dave = await other.actor(`dave${rand().slice(0, 4)}`);
    const real = noteOf(dave, { content: "<p>the real text</p>" });
    other.peer.serveJson(new URL(real.id as string).pathname, real);
    const forgedCopy = { ...real, content: "<p>forged by the booster</p>" };
    const announce = activityOf(carol, "Announce", forgedCopy, { to: [AS_PUBLIC] });
    await deliver(announce, carol, { drain: [dave.uri] });
    const boost = (await homeOf(alice)).find((s) => s.reblog?.uri === real.id);
    expect(boost?.reblog.content).toBe("<p>the real text</p>");
    expect(other.peer.received((r) => r.url === real.id)).not.toHaveLength(0);
  });

  it("trusts an embedded copy from the status's own server, and ignores a boost of a private status", async () => {
    const own = noteOf(carol, { content: "<p>my own</p>" });
    await deliver(activityOf(carol, "Announce", own, { to: [AS_PUBLIC] }), carol);
    expect((await homeOf(alice)).find((s) => s.reblog?.uri === own.id)?.reblog.content).toBe("<p>my own</p>");
    const secret = await postLocal(bob, { status: "secret", visibility: "private" });
    await deliver(activityOf(carol, "Announce", localStatusUri(bob, secret.id), { to: [AS_PUBLIC] }), carol);
    expect((await statusOf(secret.id, bob.token)).body.reblogs_count).toBe(0);
  });
});

describe("poll votes", () => {
  it("counts remote votes on a local poll, one per voter and choice", async () => {
    const poll = await postLocal(bob, { status: "tea or coffee?", poll: { options: ["tea", "coffee"], expires_in: 3600 } });
    const vote = (choice: string) =>
      createOf(carol, { id: `${carol.uri}#votes/${rand()}`, type: "Note", name: choice, attributedTo: carol.uri, to: [`https://pronghorn.test/users/${bob.username}`], inReplyTo: localStatusUri(bob, poll.id) });
    const first = vote("coffee");
    await deliver(first, carol);
    await deliver(vote("coffee"), carol);
    const after = (await statusOf(poll.id, bob.token)).body.poll;
    expect(after.options.map((o: any) => o.votes_count)).toEqual([0, 1]);
    expect(after.votes_count).toBe(1);

    const multi = await postLocal(bob, { status: "which?", poll: { options: ["a", "b", "c"], expires_in: 3600, multiple: true } });
    const multiVote = (choice: string) =>
      createOf(carol, { id: `${carol.uri}#votes/${rand()}`, type: "Note", name: choice, attributedTo: carol.uri, to: [`https://pronghorn.test/users/${bob.username}`], inReplyTo: localStatusUri(bob, multi.id) });
    await deliver(multiVote("a"), carol);
    await deliver(multiVote("c"), carol);
    await deliver(multiVote("c"), carol);
    const multiAfter = (await statusOf(multi.id, bob.token)).body.poll;
    expect(multiAfter.options.map((o: any) => o.votes_count)).toEqual([1, 0, 1]);
    expect(multiAfter.voters_count).toBe(1);
  });
});

describe("signature schemes", () => {
  it("processes an RFC 9421 signed Create like a cavage one", async () => {
    const note = noteOf(carol);
    const create = createOf(carol, note);
    await postActivity(create, carol, "/inbox", "rfc9421");
    expect(await processed(create.id)).toMatchObject({ state: "done", outcome: "handled" });
    await drain(carol.uri);
    expect(byUri(await homeOf(alice), note.id as string)).toBeDefined();
  });
});
