import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { mastodon } from "masto";
import { eventually as eventuallyWithin, signUpWithMasto } from "./masto-helpers";
import { startServer, type LocalServer } from "./server";

/**
 * The social loop with a real client library (masto) against `npm start`: two people sign up
 * through the registration API, follow each other, post with a mention and a hashtag, and
 * favourite, boost, reply, edit and delete. Each step's effect must be visible on the next
 * request; fan-out runs in the background, so reads that depend on it poll for at most 1 s.
 */

const FANOUT_WAIT_MS = 1000;
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, FANOUT_WAIT_MS);


describe("social loop with masto", () => {
  let server: LocalServer;
  let alice: mastodon.rest.Client;
  let bob: mastodon.rest.Client;
  let aliceId: string;
  let bobId: string;
  let bobName: string;
  const tag = `pronghorn${Date.now().toString(36)}`;
  let post: mastodon.v1.Status;
  let reply: mastodon.v1.Status;

  const signUp = async (username: string) => (await signUpWithMasto(server.origin, username, "social e2e")).client;

  beforeAll(async () => {
    server = await startServer();
    const suffix = Date.now().toString(36).slice(-5);
    bobName = `bob_${suffix}`;
    alice = await signUp(`alice_${suffix}`);
    bob = await signUp(bobName);
    aliceId = (await alice.v1.accounts.verifyCredentials()).id;
    bobId = (await bob.v1.accounts.verifyCredentials()).id;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("follows", async () => {
    const rel = await bob.v1.accounts.$select(aliceId).follow();
    expect(rel.following).toBe(true);
    await alice.v1.accounts.$select(bobId).follow();
    const [seen] = await alice.v1.accounts.relationships.fetch({ id: [bobId] });
    expect(seen).toMatchObject({ following: true, followedBy: true });
    const notes = await alice.v1.notifications.list({ types: ["follow"] });
    expect(notes.map((n) => n.account.id)).toContain(bobId);
  });

  it("posts with a mention and a hashtag: the follower's home, notifications and the tag timeline have it", async () => {
    post = await alice.v1.statuses.create({ status: `Hello @${bobName}, welcome to #${tag}` });
    expect(post.mentions.map((m) => m.id)).toEqual([bobId]);
    expect(post.tags.map((t) => t.name)).toEqual([tag]);
    await eventually(async () => {
      const home = await bob.v1.timelines.home.list({ limit: 20 });
      expect(home.map((s) => s.id)).toContain(post.id);
    });
    await eventually(async () => {
      const mentions = await bob.v1.notifications.list({ types: ["mention"] });
      expect(mentions.map((n) => n.status?.id)).toContain(post.id);
    });
    const tagged = await bob.v1.timelines.tag.$select(tag).list();
    expect(tagged.map((s) => s.id)).toEqual([post.id]);
    const aliceHome = await alice.v1.timelines.home.list();
    expect(aliceHome[0].id).toBe(post.id);
  });

  it("favourites: the author is notified and the count is right", async () => {
    const faved = await bob.v1.statuses.$select(post.id).favourite();
    expect(faved.favourited).toBe(true);
    expect(faved.favouritesCount).toBe(1);
    const notes = await alice.v1.notifications.list({ types: ["favourite"] });
    expect(notes.map((n) => [n.account.id, n.status?.id])).toEqual([[bobId, post.id]]);
    const grouped = await alice.v2.notifications.list();
    expect(grouped.notificationGroups.map((g) => g.type)).toContain("favourite");
  });

  it("boosts: the author is notified, the count is right and the boost leads the booster's home", async () => {
    const boost = await bob.v1.statuses.$select(post.id).reblog();
    expect(boost.reblog?.id).toBe(post.id);
    const notes = await alice.v1.notifications.list({ types: ["reblog"] });
    expect(notes.map((n) => n.status?.id)).toEqual([post.id]);
    expect((await alice.v1.statuses.$select(post.id).fetch()).reblogsCount).toBe(1);
    const bobHome = await bob.v1.timelines.home.list();
    expect(bobHome[0].id).toBe(boost.id);
  });

  it("replies: the author is notified, the reply shows in the context and in the author's home", async () => {
    reply = await bob.v1.statuses.create({ status: `@${(await alice.v1.accounts.verifyCredentials()).username} thanks!`, inReplyToId: post.id });
    await eventually(async () => {
      const mentions = await alice.v1.notifications.list({ types: ["mention"] });
      expect(mentions.map((n) => n.status?.id)).toContain(reply.id);
    });
    const context = await alice.v1.statuses.$select(post.id).context.fetch();
    expect(context.descendants.map((s) => s.id)).toEqual([reply.id]);
    await eventually(async () => {
      expect((await alice.v1.timelines.home.list()).map((s) => s.id)).toContain(reply.id);
    });
    expect((await alice.v1.statuses.$select(post.id).fetch()).repliesCount).toBe(1);
  });

  it("edits: followers see the new text", async () => {
    const edited = await alice.v1.statuses.$select(post.id).update({ status: `Hello @${bobName}, edited welcome to #${tag}` });
    expect(edited.editedAt).toBeTruthy();
    await eventually(async () => {
      const home = await bob.v1.timelines.home.list();
      expect(home.find((s) => s.id === post.id)?.content).toContain("edited welcome");
    });
    const history = await bob.v1.statuses.$select(post.id).history.list();
    expect(history.length).toBe(2);
  });

  it("marks notifications read with a marker", async () => {
    const [newest] = await alice.v1.notifications.list({ limit: 1 });
    const marker = await alice.v1.markers.create({ notifications: { lastReadId: newest.id } });
    expect(marker.notifications?.lastReadId).toBe(newest.id);
    const fetched = await alice.v1.markers.fetch({ timeline: ["notifications"] });
    expect(fetched.notifications?.version).toBe(0);
  });

  it("deletes: the post leaves followers' homes and the tag timeline", async () => {
    await alice.v1.statuses.$select(post.id).remove();
    await expect(bob.v1.statuses.$select(post.id).fetch()).rejects.toThrow();
    await eventually(async () => {
      const home = await bob.v1.timelines.home.list();
      expect(home.map((s) => s.id)).not.toContain(post.id);
      expect(home.map((s) => s.reblog?.id)).not.toContain(post.id);
    });
    await eventually(async () => {
      expect(await bob.v1.timelines.tag.$select(tag).list()).toEqual([]);
    });
  });
});
