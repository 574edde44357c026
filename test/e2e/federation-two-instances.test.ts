import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { mastodon } from "masto";
import { startServer, type LocalServer } from "./server";
import { ensure, eventually, getJson, signUp, uriOf, type Person } from "./federation-helpers";

/**
 * Two Pronghorn instances on two loopback ports (each domain is host:port), federating both
 * ways with real client calls: WebFinger lookup, follow, post, reply, like, boost, delete and
 * profile update. Each direction runs the same steps with the roles swapped.
 */

interface Side {
  server: LocalServer;
  person: Person;
  domain: string;
}

let one: Side;
let two: Side;

beforeAll(async () => {
  const [s1, s2] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), startServer({ ALLOW_PRIVATE_ADDRESSES: "true" })]);
  const suffix = Date.now().toString(36).slice(-5);
  const [ann, ben] = await Promise.all([signUp(s1, `ann_${suffix}`), signUp(s2, `ben_${suffix}`)]);
  one = { server: s1, person: ann, domain: new URL(s1.origin).host };
  two = { server: s2, person: ben, domain: new URL(s2.origin).host };
});

afterAll(async () => {
  await Promise.all([one?.server.stop(), two?.server.stop()]);
});

/** What one direction learns and later steps use. */
interface Flow {
  /** The author's account as the follower's server knows it. */
  authorThere: mastodon.v1.Account;
  /** The post, on the author's server and as the follower's server knows it. */
  postId: string;
  postUri: string;
  postThereId: string;
  replyId: string;
  replyUri: string;
}

function direction(name: string, side: () => { author: Side; follower: Side }) {
  describe(name, () => {
    const flow = {} as Flow;

    it("the follower finds the author by user@domain (WebFinger) and follows: the Accept comes back", async () => {
      const { author, follower } = side();
      const acct = `${author.person.username}@${author.domain}`;
      flow.authorThere = await follower.person.client.v1.accounts.lookup({ acct });
      expect(flow.authorThere.acct).toBe(acct);
      expect(uriOf(flow.authorThere)).toBe(author.person.uri);
      await follower.person.client.v1.accounts.$select(flow.authorThere.id).follow();
      await eventually(async () => {
        const [rel] = await follower.person.client.v1.accounts.relationships.fetch({ id: [flow.authorThere.id] });
        ensure(rel.following, `relationship: ${JSON.stringify(rel)}`);
      }, "the follow to be accepted");
      const followers = await eventually(async () => {
        const list = await author.person.client.v1.accounts.$select(author.person.id).followers.list();
        ensure(list.some((a) => uriOf(a) === follower.person.uri), "the follower is not listed");
        return list;
      }, "the follower on the author's side");
      expect(followers.find((a) => uriOf(a) === follower.person.uri)!.acct).toBe(`${follower.person.username}@${follower.domain}`);
    });

    it("a post reaches the follower's home", async () => {
      const { author, follower } = side();
      const status = await author.person.client.v1.statuses.create({ status: `Hello from ${author.domain}`, visibility: "public" });
      flow.postId = status.id;
      flow.postUri = `${author.person.uri}/statuses/${status.id}`;
      const there = await eventually(async () => {
        const home = await follower.person.client.v1.timelines.home.list({ limit: 40 });
        const found = home.find((s) => s.uri === flow.postUri);
        ensure(found, "not in home yet");
        return found;
      }, "the post in the follower's home");
      flow.postThereId = there.id;
      expect(there.account.id).toBe(flow.authorThere.id);
      expect(there.content).toContain(`Hello from ${author.domain}`);
    });

    it("a reply reaches the author: mention notification and the reply in context", async () => {
      const { author, follower } = side();
      const reply = await follower.person.client.v1.statuses.create({
        status: `@${author.person.username}@${author.domain} thanks!`,
        inReplyToId: flow.postThereId,
      });
      flow.replyId = reply.id;
      flow.replyUri = `${follower.person.uri}/statuses/${reply.id}`;
      expect(reply.mentions.map((m) => m.acct)).toEqual([`${author.person.username}@${author.domain}`]);
      const context = await eventually(async () => {
        const ctx = await author.person.client.v1.statuses.$select(flow.postId).context.fetch();
        ensure(ctx.descendants.some((s) => s.uri === flow.replyUri), "the reply is not in the context yet");
        return ctx;
      }, "the reply in the author's context");
      expect(context.descendants.find((s) => s.uri === flow.replyUri)!.inReplyToId).toBe(flow.postId);
      await eventually(async () => {
        const notes = await author.person.client.v1.notifications.list({ types: ["mention"] });
        ensure(notes.some((n) => n.status?.uri === flow.replyUri), "no mention notification yet");
      }, "the mention notification");
    });

    it("a like and a boost reach the author: notifications and counts", async () => {
      const { author, follower } = side();
      const fav = await follower.person.client.v1.statuses.$select(flow.postThereId).favourite();
      expect(fav.favourited).toBe(true);
      const boost = await follower.person.client.v1.statuses.$select(flow.postThereId).reblog();
      expect(boost.reblog?.id).toBe(flow.postThereId);
      await eventually(async () => {
        const notes = await author.person.client.v1.notifications.list({ limit: 40 });
        const types = new Set(notes.filter((n) => uriOf(n.account) === follower.person.uri && n.status?.id === flow.postId).map((n) => n.type));
        ensure(types.has("favourite") && types.has("reblog"), `types so far: ${[...types].join(", ")}`);
      }, "favourite and reblog notifications");
      const counted = await author.person.client.v1.statuses.$select(flow.postId).fetch();
      expect(counted).toMatchObject({ favouritesCount: 1, reblogsCount: 1, repliesCount: 1 });
    });

    it("deletes reach the other side: the reply leaves the author's context, the post leaves the follower's home", async () => {
      const { author, follower } = side();
      await follower.person.client.v1.statuses.$select(flow.replyId).remove();
      await eventually(async () => {
        const ctx = await author.person.client.v1.statuses.$select(flow.postId).context.fetch();
        ensure(!ctx.descendants.some((s) => s.uri === flow.replyUri), "the reply is still in the context");
      }, "the reply to leave the author's context");
      await author.person.client.v1.statuses.$select(flow.postId).remove();
      await eventually(async () => {
        const res = await getJson(follower.server, follower.person, `/api/v1/statuses/${flow.postThereId}`);
        ensure(res.status === 404, `the deleted post answers ${res.status}`);
        const home = await follower.person.client.v1.timelines.home.list({ limit: 40 });
        ensure(!home.some((s) => s.uri === flow.postUri || s.reblog?.uri === flow.postUri), "the post (or its boost) is still in home");
      }, "the post to leave the follower's side");
    });

    it("a profile update reaches the follower's server", async () => {
      const { author, follower } = side();
      const name = `Author of ${author.domain}`;
      await author.person.client.v1.accounts.updateCredentials({ displayName: name, note: "Now with a bio" });
      await eventually(async () => {
        const res = await getJson(follower.server, follower.person, `/api/v1/accounts/${flow.authorThere.id}`);
        ensure(res.status === 200 && res.body.display_name === name, `display_name there: ${JSON.stringify(res.body?.display_name)}`);
        ensure(String(res.body.note).includes("Now with a bio"), "note not updated");
      }, "the new profile on the follower's server");
    });
  });
}

direction("from the first instance to the second", () => ({ author: one, follower: two }));
direction("from the second instance to the first", () => ({ author: two, follower: one }));
