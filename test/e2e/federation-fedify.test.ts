import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type LocalServer } from "./server";
import { FedifyPeer, type ReceivedActivity, type SignatureSpec } from "./fedify-peer";
import { ensure, eventually, getJson, resolveAccount, signUp, uriOf, type Person } from "./federation-helpers";

/**
 * Federation against an independent implementation: our server (`npm start` with loopback
 * federation allowed) and a `@fedify/fedify` 2.3.6 peer that verifies every signature it
 * receives. Run once with the peer signing draft-cavage first and once with RFC 9421.
 */

const objectIdOf = (a: ReceivedActivity): string | null => {
  const o = a.json.object;
  return typeof o === "string" ? o : (o?.id ?? null);
};

const SPECS: SignatureSpec[] = ["draft-cavage-http-signatures-12", "rfc9421"];

describe.each(SPECS)("with a Fedify peer signing %s first", (spec) => {
  let server: LocalServer;
  let peer: FedifyPeer;
  let alice: Person;
  let domain: string;
  let postId: string;
  let noteUri: string;
  let replyUri: string;
  let peerAccountId: string;
  let newsUri: string;
  let newsId: string;

  beforeAll(async () => {
    [server, peer] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), new FedifyPeer(spec)]);
    await peer.start();
    domain = new URL(server.origin).host;
    alice = await signUp(server, `alice_${Date.now().toString(36).slice(-6)}`);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), peer?.stop()]);
  });

  it("the peer follows a local user and receives an Accept", async () => {
    const followId = await peer.follow(alice.uri);
    const accept = await eventually(() => {
      const found = peer.receivedOf("Accept", (a) => a.actor === alice.uri && objectIdOf(a) === followId);
      ensure(found.length === 1, "no Accept of the Follow yet");
      return found[0];
    }, "the Accept");
    expect(accept.json.object).toMatchObject({ type: "Follow", actor: peer.actorUri, object: alice.uri });
    const followers = await eventually(async () => {
      const list = await alice.client.v1.accounts.$select(alice.id).followers.list();
      ensure(list.some((a) => uriOf(a) === peer.actorUri), "the peer is not among the followers");
      return list;
    }, "the follower");
    const peerAccount = followers.find((a) => uriOf(a) === peer.actorUri)!;
    expect(peerAccount.acct).toBe(`peer@${new URL(peer.origin).host}`);
    const notes = await alice.client.v1.notifications.list({ types: ["follow"] });
    expect(notes.map((n) => uriOf(n.account))).toContain(peer.actorUri);
  });

  it("a local post reaches the peer as a Create whose signature the peer verified", async () => {
    const status = await alice.client.v1.statuses.create({ status: "Hello from Pronghorn", visibility: "public" });
    postId = status.id;
    noteUri = `${alice.uri}/statuses/${status.id}`;
    const create = await eventually(() => {
      const found = peer.receivedOf("Create", (a) => objectIdOf(a) === noteUri);
      ensure(found.length === 1, "no Create yet");
      return found[0];
    }, "the Create");
    expect(create.actor).toBe(alice.uri);
    expect(create.json.object.content).toContain("Hello from Pronghorn");
    expect(peer.unverified).toEqual([]);
  });

  it("the peer replies, likes and boosts: the local user is notified and sees the reply in context", async () => {
    replyUri = await peer.post(alice.uri, "<p>Nice post, Alice</p>", { inReplyTo: noteUri, mention: { uri: alice.uri, name: `@${alice.username}@${domain}` } });
    await peer.like(alice.uri, noteUri);
    await peer.announce(alice.uri, noteUri);
    const notes = await eventually(async () => {
      const list = await alice.client.v1.notifications.list({ limit: 40 });
      const fromPeer = list.filter((n) => uriOf(n.account) === peer.actorUri);
      const types = new Set(fromPeer.map((n) => n.type));
      ensure(types.has("mention") && types.has("favourite") && types.has("reblog"), `notification types so far: ${[...types].join(", ")}`);
      return fromPeer;
    }, "mention, favourite and reblog notifications");
    expect(notes.find((n) => n.type === "mention")!.status!.content).toContain("Nice post, Alice");
    expect(notes.find((n) => n.type === "favourite")!.status!.id).toBe(postId);
    expect(notes.find((n) => n.type === "reblog")!.status!.id).toBe(postId);
    const context = await eventually(async () => {
      const ctx = await alice.client.v1.statuses.$select(postId).context.fetch();
      ensure(ctx.descendants.some((s) => s.uri === replyUri), "the reply is not in the context yet");
      return ctx;
    }, "the reply in context");
    const reply = context.descendants.find((s) => s.uri === replyUri)!;
    expect(reply.inReplyToId).toBe(postId);
    expect(uriOf(reply.account)).toBe(peer.actorUri);
    const counted = await alice.client.v1.statuses.$select(postId).fetch();
    expect(counted).toMatchObject({ repliesCount: 1, favouritesCount: 1, reblogsCount: 1 });
  });

  it("the local user follows the peer, sees its posts in home, and unfollows", async () => {
    const account = await resolveAccount(alice, peer.actorUri);
    peerAccountId = account.id;
    const rel = await alice.client.v1.accounts.$select(peerAccountId).follow();
    expect(rel.requested || rel.following).toBe(true);
    const follow = await eventually(() => {
      const found = peer.receivedOf("Follow", (a) => a.actor === alice.uri);
      ensure(found.length === 1, "the peer got no Follow");
      return found[0];
    }, "the Follow at the peer");
    expect(objectIdOf(follow)).toBe(peer.actorUri);
    await eventually(async () => {
      const [r] = await alice.client.v1.accounts.relationships.fetch({ id: [peerAccountId] });
      ensure(r.following, "not following yet (no Accept processed)");
    }, "the Accept to be processed");

    newsUri = await peer.post(alice.uri, "<p>Peer news for followers</p>");
    const news = await eventually(async () => {
      const home = await alice.client.v1.timelines.home.list({ limit: 40 });
      const found = home.find((s) => s.uri === newsUri);
      ensure(found, "the peer's post is not in home yet");
      return found;
    }, "the peer's post in home");
    newsId = news.id;
    expect(news.account.id).toBe(peerAccountId);
    expect(news.content).toContain("Peer news for followers");

    const after = await alice.client.v1.accounts.$select(peerAccountId).unfollow();
    expect(after.following).toBe(false);
    const undo = await eventually(() => {
      const found = peer.receivedOf("Undo", (a) => a.actor === alice.uri && a.json.object?.type === "Follow");
      ensure(found.length === 1, "the peer got no Undo(Follow)");
      return found[0];
    }, "the Undo at the peer");
    expect(undo.json.object.id).toBe(follow.id);
    expect(peer.unverified).toEqual([]);
  });

  it(`every delivery of the peer was signed with ${spec} and accepted at the first knock`, () => {
    const expected = spec === "rfc9421" ? "rfc9421" : "cavage";
    const toUs = peer.sent.filter((d) => d.url.startsWith(server.origin));
    expect(toUs.length).toBeGreaterThanOrEqual(5);
    expect(toUs.filter((d) => d.scheme !== expected || d.status !== 202)).toEqual([]);
  });

  it("the peer deletes its posts and they disappear", async () => {
    await peer.deleteNote(alice.uri, replyUri);
    await peer.deleteNote(alice.uri, newsUri);
    await eventually(async () => {
      const ctx = await alice.client.v1.statuses.$select(postId).context.fetch();
      ensure(!ctx.descendants.some((s) => s.uri === replyUri), "the reply is still in the context");
    }, "the reply to leave the context");
    await eventually(async () => {
      const res = await getJson(server, alice, `/api/v1/statuses/${newsId}`);
      ensure(res.status === 404, `the deleted post still answers ${res.status}`);
    }, "the deleted post to be gone");
    const mentions = await alice.client.v1.notifications.list({ types: ["mention"] });
    expect(mentions.some((n) => n.status?.uri === replyUri)).toBe(false);
  });
});
