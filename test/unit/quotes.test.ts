import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { expectError, follow, getJson, newUser, notificationsOf, post, postRaw, runJobs, send } from "./status-helpers";

/** Local quote posts: quoting, policies, the 422s, the quotes list, revocation, the policy endpoint. */

async function quote(user: { token: string }, body: Record<string, unknown>) {
  const res = await postRaw(user.token, body);
  return { status: res.status, body: (await res.json()) as any };
}

describe("quoting a local status", () => {
  it("accepts a quote of a public status, renders Quote and counts it with a notification", async () => {
    const alice = await newUser("qalice");
    const bob = await newUser("qbob");
    const original = await post(alice, { status: "quote me" });
    expect(original.quote).toBeNull();
    expect(original.quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "automatic" });

    const q = await post(bob, { status: "look at this", quoted_status_id: original.id });
    expect(q.quote.state).toBe("accepted");
    expect(q.content).toMatch(new RegExp(`^<p class="quote-inline">RE: <a href="${original.url}">`));
    expect(q.quote.quoted_status.id).toBe(original.id);
    expectSchema(q.quote, "Quote");
    expectSchema(q.quote.quoted_status, "Status");
    await runJobs(bob.id);
    // Home pages are rendered from kept parts (core/serializers/rendered.ts): the quote is there too.
    const home = await getJson("/api/v1/timelines/home", bob.token);
    const inHome = home.body.find((s: any) => s.id === q.id);
    expect(inHome.quote).toMatchObject({ state: "accepted", quoted_status: { id: original.id, favourited: false } });
    expect(inHome.quote_approval.current_user).toBe("automatic");
    expectSchema(inHome, "Status");

    const seen = await getJson(`/api/v1/statuses/${original.id}`, bob.token);
    expect(seen.body.quotes_count).toBe(1);
    expect(seen.body.quote_approval.current_user).toBe("automatic");
    expect(await notificationsOf(alice.id)).toEqual([{ type: "quote", from_account_id: bob.id, status_id: q.id }]);
    const notes = await getJson("/api/v1/notifications", alice.token);
    expect(notes.body[0].type).toBe("quote");
    expect(notes.body[0].status.id).toBe(q.id);
    expectSchema(notes.body[0], "Notification");

    // A quote of the quote: the inner quote is shallow.
    const carol = await newUser("qcarol");
    const q2 = await post(carol, { status: "meta", quoted_status_id: q.id });
    expect(q2.quote.quoted_status.quote).toEqual({ state: "accepted", quoted_status_id: original.id });
    expectSchema(q2.quote.quoted_status.quote, "ShallowQuote");

    // A viewer who mutes or blocks the quoted author is told so (the status stays for clients to hide).
    expect((await send("POST", `/api/v1/accounts/${alice.id}/mute`, carol.token)).status).toBe(200);
    const muted = await getJson(`/api/v1/statuses/${q.id}`, carol.token);
    expect(muted.body.quote.state).toBe("muted_account");
    expect(muted.body.quote.quoted_status.id).toBe(original.id);
    expect((await send("POST", `/api/v1/accounts/${alice.id}/block`, carol.token)).status).toBe(200);
    expect((await getJson(`/api/v1/statuses/${q.id}`, carol.token)).body.quote.state).toBe("blocked_account");
    expectSchema((await getJson(`/api/v1/statuses/${q.id}`, carol.token)).body, "Status");
  });

  it("refuses quotes that cannot be made with 422 and posts nothing", async () => {
    const alice = await newUser("qalice");
    const bob = await newUser("qbob");
    const privatePost = await post(alice, { status: "followers only", visibility: "private" });
    const nobody = await post(alice, { status: "nobody quotes me", quote_approval_policy: "nobody" });
    const followers = await post(alice, { status: "followers quote me", quote_approval_policy: "followers" });
    expect(nobody.quote_approval).toEqual({ automatic: [], manual: [], current_user: "automatic" });
    expect(followers.quote_approval.automatic).toEqual(["followers"]);

    for (const [id, message] of [
      ["999999999999999999", /does not appear to exist/],
      [privatePost.id, /does not appear to exist|not allowed/],
      [nobody.id, /not allowed/],
      [followers.id, /not allowed/],
    ] as const) {
      expectError(await quote(bob, { status: "q", quoted_status_id: id }), 422, message);
    }
    expect((await getJson(`/api/v1/accounts/${bob.id}/statuses`, bob.token)).body).toEqual([]);

    const viewed = await getJson(`/api/v1/statuses/${followers.id}`, bob.token);
    expect(viewed.body.quote_approval.current_user).toBe("denied");
    await follow(bob, alice);
    expect((await getJson(`/api/v1/statuses/${followers.id}`, bob.token)).body.quote_approval.current_user).toBe("automatic");
    const ok = await quote(bob, { status: "as a follower", quoted_status_id: followers.id });
    expect(ok.status).toBe(200);
    expect(ok.body.quote.state).toBe("accepted");
    // The author may quote her own private post; the quote is private too.
    const self = await quote(alice, { status: "self", quoted_status_id: privatePost.id, visibility: "public" });
    expect(self.status).toBe(200);
    expect(self.body.visibility).toBe("private");
    const direct = await post(alice, { status: "secret", visibility: "direct" });
    expectError(await quote(alice, { status: "no", quoted_status_id: direct.id }), 422, /not allowed/);
    const toBob = await quote(bob, { status: "psst", visibility: "direct", quoted_status_id: followers.id });
    expectError(toBob, 422, /must be mentioned/);
  });

  it("takes source.quote_policy as the default and forces nobody on private posts", async () => {
    const alice = await newUser("qalice");
    const creds = await send("PATCH", "/api/v1/accounts/update_credentials", alice.token, { source: { quote_policy: "followers" } });
    expect(creds.status).toBe(200);
    expect(creds.body.source.quote_policy).toBe("followers");
    expect((await getJson("/api/v1/accounts/verify_credentials", alice.token)).body.source.quote_policy).toBe("followers");
    const s = await post(alice, { status: "default" });
    expect(s.quote_approval.automatic).toEqual(["followers"]);
    const p = await post(alice, { status: "private", visibility: "private", quote_approval_policy: "public" });
    expect(p.quote_approval.automatic).toEqual([]);
    expectError(await send("PATCH", "/api/v1/accounts/update_credentials", alice.token, { source: { quote_policy: "everyone" } }), 422);
  });
});

describe("quotes of a status", () => {
  it("lists quotes with a Link header, revokes one for everyone, and changes the policy", async () => {
    const alice = await newUser("qalice");
    const bob = await newUser("qbob");
    const carol = await newUser("qcarol");
    const original = await post(alice, { status: "popular" });
    const fromBob = await post(bob, { status: "one", quoted_status_id: original.id });
    const fromCarol = await post(carol, { status: "two", quoted_status_id: original.id });
    await runJobs(bob.id);
    await runJobs(carol.id);

    const list = await getJson(`/api/v1/statuses/${original.id}/quotes?limit=1`, alice.token);
    expect(list.status).toBe(200);
    expect(list.body.map((s: any) => s.id)).toEqual([fromCarol.id]);
    expect(list.link).toContain('rel="next"');
    for (const s of list.body) expectSchema(s, "Status");
    const all = await getJson(`/api/v1/statuses/${original.id}/quotes`, bob.token);
    expect(all.body.map((s: any) => s.id)).toEqual([fromCarol.id, fromBob.id]);

    expectError(await send("POST", `/api/v1/statuses/${original.id}/quotes/${fromBob.id}/revoke`, carol.token), 404);
    const revoked = await send("POST", `/api/v1/statuses/${original.id}/quotes/${fromBob.id}/revoke`, alice.token);
    expect(revoked.status).toBe(200);
    expectSchema(revoked.body, "Status");
    expect(revoked.body.id).toBe(fromBob.id);
    expect(revoked.body.quote).toEqual({ state: "revoked", quoted_status: null });
    const asCarol = await getJson(`/api/v1/statuses/${fromBob.id}`, carol.token);
    expect(asCarol.body.quote).toEqual({ state: "revoked", quoted_status: null });
    expect((await getJson(`/api/v1/statuses/${original.id}`, alice.token)).body.quotes_count).toBe(1);
    expect((await getJson(`/api/v1/statuses/${original.id}/quotes`, alice.token)).body.map((s: any) => s.id)).toEqual([fromCarol.id]);

    const policy = await send("PUT", `/api/v1/statuses/${original.id}/interaction_policy`, alice.token, { quote_approval_policy: "nobody" });
    expect(policy.status).toBe(200);
    expectSchema(policy.body, "Status");
    expect(policy.body.quote_approval.automatic).toEqual([]);
    expect(policy.body.edited_at).toBeNull();
    expectError(await quote(bob, { status: "again", quoted_status_id: original.id }), 422, /not allowed/);
    expectError(await send("PUT", `/api/v1/statuses/${original.id}/interaction_policy`, bob.token, { quote_approval_policy: "public" }), 404);
    expectError(await send("PUT", `/api/v1/statuses/${original.id}/interaction_policy`, alice.token, { quote_approval_policy: "all" }), 422);
  });

  it("follows the quoted status's edits (quoted_update) and deletion", async () => {
    const alice = await newUser("qalice");
    const bob = await newUser("qbob");
    const original = await post(alice, { status: "first words" });
    const q = await post(bob, { status: "quoting", quoted_status_id: original.id });
    await runJobs(bob.id);
    const edited = await send("PUT", `/api/v1/statuses/${original.id}`, alice.token, { status: "second words" });
    expect(edited.status).toBe(200);
    await runJobs(alice.id);
    const after = await getJson(`/api/v1/statuses/${q.id}`, bob.token);
    expect(after.body.quote.quoted_status.content).toContain("second words");
    expect((await notificationsOf(bob.id)).map((n) => n.type)).toContain("quoted_update");
    const notes = await getJson("/api/v1/notifications?types[]=quoted_update", bob.token);
    expect(notes.body[0].status.id).toBe(original.id);
    expectSchema(notes.body[0], "Notification");

    expect((await send("DELETE", `/api/v1/statuses/${original.id}`, alice.token)).status).toBe(200);
    await runJobs(alice.id);
    expect((await getJson(`/api/v1/statuses/${q.id}`, bob.token)).body.quote).toEqual({ state: "deleted", quoted_status: null });
  });

  it("edits: sets a quote and a policy on an existing status, and forgets the quote when the quoting status goes", async () => {
    const alice = await newUser("qalice");
    const bob = await newUser("qbob");
    const original = await post(alice, { status: "later quoted" });
    const mine = await post(bob, { status: "plain at first" });
    const edited = await send("PUT", `/api/v1/statuses/${mine.id}`, bob.token, { status: "now a quote", quoted_status_id: original.id, quote_approval_policy: "followers" });
    expect(edited.status).toBe(200);
    expect(edited.body.quote.state).toBe("accepted");
    expect(edited.body.quote_approval.automatic).toEqual(["followers"]);
    expectError(await send("PUT", `/api/v1/statuses/${mine.id}`, bob.token, { status: "bad", quoted_status_id: "1234" }), 422);
    await runJobs(bob.id);
    expect((await getJson(`/api/v1/statuses/${original.id}`, alice.token)).body.quotes_count).toBe(1);
    await send("DELETE", `/api/v1/statuses/${mine.id}`, bob.token);
    await runJobs(bob.id);
    expect((await getJson(`/api/v1/statuses/${original.id}`, alice.token)).body.quotes_count).toBe(0);
    expect(await notificationsOf(alice.id)).toEqual([]);
  });
});
