import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { mastodon } from "masto";
import { eventually as eventuallyWithin, signUpWithMasto } from "./masto-helpers";
import { startServer, type LocalServer } from "./server";
import { FedifyPeer } from "./fedify-peer";
import { ensure, eventually as eventuallyLong, signUp as signUpPerson, type Person } from "./federation-helpers";

/**
 * Quote posts with a real client library (masto) against `npm start`: quoting with a policy,
 * the quote notification, the quotes list, an edit of the quoted post, the quote policy and
 * revocation (the last two through plain HTTP: masto has no method for them yet).
 */

const WAIT_MS = 2000;
const eventually = <T>(check: () => Promise<T>) => eventuallyWithin(check, WAIT_MS);


describe("quote posts with masto", () => {
  let server: LocalServer;
  let alice: mastodon.rest.Client;
  let bob: mastodon.rest.Client;
  let aliceToken: string;
  let bobId: string;

  const signUp = (username: string) => signUpWithMasto(server.origin, username, "quotes e2e");

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  }

  beforeAll(async () => {
    server = await startServer();
    const suffix = Date.now().toString(36).slice(-5);
    const a = await signUp(`qalice_${suffix}`);
    const b = await signUp(`qbob_${suffix}`);
    [alice, aliceToken, bob] = [a.client, a.token, b.client];
    bobId = (await bob.v1.accounts.verifyCredentials()).id;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("quotes, notifies, lists, follows an edit, changes the policy and revokes", async () => {
    const original = await alice.v1.statuses.create({ status: "a quotable thought", quoteApprovalPolicy: "public" });
    expect(original.quoteApproval).toMatchObject({ automatic: ["public"], currentUser: "automatic" });

    const quoting = await bob.v1.statuses.create({ status: "well said", quotedStatusId: original.id });
    expect(quoting.quote).toMatchObject({ state: "accepted" });
    expect((quoting.quote as mastodon.v1.Quote).quotedStatus?.id).toBe(original.id);

    const notes = await eventually(async () => {
      const list = await alice.v1.notifications.list({ types: ["quote" as mastodon.v1.NotificationType] });
      expect(list).toHaveLength(1);
      return list;
    });
    expect(notes[0].account.id).toBe(bobId);
    expect(notes[0].status?.id).toBe(quoting.id);

    const quotes = await alice.v1.statuses.$select(original.id).quotes.list();
    expect(quotes.map((s) => s.id)).toEqual([quoting.id]);
    expect((await alice.v1.statuses.$select(original.id).fetch()).quotesCount).toBe(1);

    await alice.v1.statuses.$select(original.id).update({ status: "a quotable thought, refined" });
    await eventually(async () => {
      const seen = await bob.v1.statuses.$select(quoting.id).fetch();
      expect((seen.quote as mastodon.v1.Quote).quotedStatus?.content).toContain("refined");
    });

    const policy = await call("PUT", `/api/v1/statuses/${original.id}/interaction_policy`, aliceToken, { quote_approval_policy: "nobody" });
    expect(policy.status).toBe(200);
    expect(policy.body.quote_approval.automatic).toEqual([]);
    await expect(bob.v1.statuses.create({ status: "again", quotedStatusId: original.id })).rejects.toMatchObject({ statusCode: 422 });

    const revoked = await call("POST", `/api/v1/statuses/${original.id}/quotes/${quoting.id}/revoke`, aliceToken);
    expect(revoked.status).toBe(200);
    expect(revoked.body.quote).toEqual({ state: "revoked", quoted_status: null });
    const after = await bob.v1.statuses.$select(quoting.id).fetch();
    expect(after.quote).toMatchObject({ state: "revoked", quotedStatus: null });
  });

  it("keeps source.quote_policy as the default of new posts", async () => {
    const updated = await alice.v1.accounts.updateCredentials({ source: { quotePolicy: "followers" } } as never);
    expect((updated.source as unknown as { quotePolicy: string }).quotePolicy).toBe("followers");
    const post = await alice.v1.statuses.create({ status: "followers may quote" });
    expect(post.quoteApproval?.automatic).toEqual(["followers"]);
    expect(post.quoteApproval?.currentUser).toBe("automatic");
    const seen = await bob.v1.statuses.$select(post.id).fetch();
    expect(seen.quoteApproval?.currentUser).toBe("denied");
  });
});

describe("quote posts with a Fedify peer", () => {
  let server: LocalServer;
  let peer: FedifyPeer;
  let alice: Person;

  beforeAll(async () => {
    [server, peer] = await Promise.all([startServer({ ALLOW_PRIVATE_ADDRESSES: "true" }), new FedifyPeer("draft-cavage-http-signatures-12")]);
    await peer.start();
    alice = await signUpPerson(server, `qalice_${Date.now().toString(36).slice(-6)}`);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), peer?.stop()]);
  });

  it("quoting the peer's post sends it a QuoteRequest and leaves the quote pending", async () => {
    const noteUri = await peer.post(alice.uri, "<p>quote me, Alice</p>", { mention: { uri: alice.uri, name: `@${alice.username}@${new URL(server.origin).host}` } });
    const mention = await eventuallyLong(async () => {
      const [found] = await alice.client.v1.notifications.list({ types: ["mention"] });
      ensure(found?.status, "no mention yet");
      return found.status;
    }, "the mention");
    const quoting = await alice.client.v1.statuses.create({ status: "quoting a Fedify post", quotedStatusId: mention.id });
    expect(quoting.quote).toMatchObject({ state: "pending" });
    const request = await eventuallyLong(() => {
      const found = peer.receivedOf("QuoteRequest");
      ensure(found.length === 1, "no QuoteRequest yet");
      return found[0];
    }, "the QuoteRequest");
    expect(request.actor).toBe(alice.uri);
    const object = request.json.object;
    expect(typeof object === "string" ? object : object?.id).toBe(noteUri);
    expect(JSON.stringify(request.json)).toContain(`${alice.uri}/statuses/${quoting.id}`);
    expect(peer.unverified).toEqual([]);
  });

  it("the peer's quote of a local post is listed to its author as pending", async () => {
    const mine = await alice.client.v1.statuses.create({ status: "a local post to quote" });
    const noteUri = await peer.post(alice.uri, "<p>quoting Alice without asking</p>", { quote: `${alice.uri}/statuses/${mine.id}` });
    const quotes = await eventuallyLong(async () => {
      const list = await alice.client.v1.statuses.$select(mine.id).quotes.list();
      ensure(list.length === 1, "the quote is not listed yet");
      return list;
    }, "the quote");
    expect(quotes[0].uri).toBe(noteUri);
    expect(quotes[0].quote).toMatchObject({ state: "pending" });
  });
});
