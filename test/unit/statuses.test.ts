import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { locateStatus } from "../../objects/status-index/locate";
import { api, bearer, createAppToken, issueToken } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, getJson, inObject, newUser, post, postRaw, runJobs, send } from "./status-helpers";
import { extractMentions, extractTags, renderStatusHtml, statusLength } from "../../lib/status-text";

describe("POST /api/v1/statuses", () => {
  it("posts with links, mentions and hashtags rendered, and reads it back", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: `Hi @${bob.username} and @nobody_here, see https://example.com/a #Pronghorn #2024 #café`, language: "en-US" });
    expect(s.visibility).toBe("public");
    expect(s.language).toBe("en");
    expect(s.account.id).toBe(alice.id);
    expect(s.mentions).toEqual([{ id: bob.id, username: bob.username, acct: bob.username, url: `https://pronghorn.test/@${bob.username}` }]);
    expect(s.tags.map((t: any) => t.name)).toEqual(["pronghorn", "café"]);
    expect(s.content).toContain(`<span class="h-card" translate="no"><a href="https://pronghorn.test/@${bob.username}" class="u-url mention">@<span>${bob.username}</span></a></span>`);
    expect(s.content).toContain('<a href="https://pronghorn.test/tags/pronghorn" class="mention hashtag" rel="tag">#<span>Pronghorn</span></a>');
    expect(s.content).toContain("@nobody_here");
    expect(s.content).toContain('href="https://example.com/a"');
    expect(s.content).toContain("#2024");
    expect(s.application).toEqual({ name: "Unit tests", website: null });
    expect(s.favourited).toBe(false);
    expect(s.pinned).toBe(false);

    const anonymous = await getJson(`/api/v1/statuses/${s.id}`);
    expect(anonymous.status).toBe(200);
    expectSchema(anonymous.body, "Status");
    expect(anonymous.body.content).toBe(s.content);
    expect(anonymous.body.favourited).toBeUndefined();

    // The author's object keeps it in her own home; the index knows where it lives.
    expect(await inObject(alice.id, (o) => o.sql.exec("SELECT author_id FROM home WHERE id = ?", s.id).toArray())).toEqual([{ author_id: alice.id }]);
    expect(await locateStatus(env, s.id)).toBe(alice.id);
    expect(await inObject(alice.id, (o) => o.sql.exec("SELECT account_id FROM status_mentions WHERE status_id = ?", s.id).toArray())).toEqual([{ account_id: bob.id }]);

    const account = await getJson(`/api/v1/accounts/${alice.id}`);
    expect(account.body.statuses_count).toBe(1);
    expect(account.body.last_status_at).toBe(s.created_at.slice(0, 10));
  });

  it("escapes HTML and keeps paragraphs", async () => {
    const alice = await newUser("alice");
    const s = await post(alice, { status: "<b>bold</b> & co\nline two\n\nsecond paragraph" });
    expect(s.content).toBe("<p>&lt;b&gt;bold&lt;/b&gt; &amp; co<br />line two</p><p>second paragraph</p>");
  });

  it("accepts form bodies with Rails brackets", async () => {
    const alice = await newUser("alice");
    const body = new URLSearchParams([
      ["status", "Which?"],
      ["visibility", "unlisted"],
      ["sensitive", "1"],
      ["spoiler_text", "cw"],
      ["poll[options][]", "a"],
      ["poll[options][]", "b"],
      ["poll[expires_in]", "3600"],
      ["poll[multiple]", "true"],
    ]);
    const res = await api("/api/v1/statuses", { method: "POST", headers: bearer(alice.token), body });
    const s: any = await res.json();
    expect(res.status, JSON.stringify(s)).toBe(200);
    expectSchema(s, "Status");
    expect(s.visibility).toBe("unlisted");
    expect(s.sensitive).toBe(true);
    expect(s.spoiler_text).toBe("cw");
    expect(s.poll.options.map((o: any) => o.title)).toEqual(["a", "b"]);
    expect(s.poll.multiple).toBe(true);
  });

  it("uses the account's default visibility and marks spoilers sensitive", async () => {
    const alice = await newUser("alice");
    await inObject(alice.id, (o) => o.sql.exec("UPDATE account SET privacy = 'private'"));
    const s = await post(alice, { status: "default", spoiler_text: "careful" });
    expect(s.visibility).toBe("private");
    expect(s.sensitive).toBe(true);
  });

  it("refuses bad input with 422 and a message naming the problem", async () => {
    const alice = await newUser("alice");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /Text can't be blank/],
      [{ status: "   " }, /Text can't be blank/],
      [{ status: "x".repeat(501) }, /character limit of 500/],
      [{ status: "x".repeat(490), spoiler_text: "y".repeat(20) }, /character limit/],
      [{ status: "hi", visibility: "everyone" }, /Visibility must be one of/],
      [{ status: "hi", media_ids: ["123"] }, /Media 123 not found/],
      [{ status: "hi", in_reply_to_id: "abc" }, /In reply to id/],
      [{ status: "hi", sensitive: "maybe" }, /Sensitive/],
      [{ status: "hi", poll: { options: ["only"], expires_in: 600 } }, /more than one item/],
      [{ status: "hi", poll: { options: ["a", "b", "c", "d", "e"], expires_in: 600 } }, /more than 4 items/],
      [{ status: "hi", poll: { options: ["a", "x".repeat(51)], expires_in: 600 } }, /longer than 50 characters/],
      [{ status: "hi", poll: { options: ["a", "a"], expires_in: 600 } }, /duplicate/],
      [{ status: "hi", poll: { options: ["a", "b"], expires_in: 299 } }, /too soon/],
      [{ status: "hi", poll: { options: ["a", "b"], expires_in: 2629747 } }, /too far/],
      [{ status: "hi", poll: { options: ["a", "b"] } }, /Poll expires in/],
      [{ status: "hi", scheduled_at: "tomorrow" }, /Scheduled at/],
    ];
    for (const [body, message] of cases) {
      const res = await postRaw(alice.token, body);
      expectError({ status: res.status, body: await res.json() }, 422, message);
    }
    // A long URL counts as 23 characters, and a remote mention as its local part.
    const res = await postRaw(alice.token, { status: `${"x".repeat(470)} https://example.com/${"p".repeat(100)}` });
    expect(res.status).toBe(200);
  });

  it("answers 404 for a reply to an unknown status", async () => {
    const alice = await newUser("alice");
    const res = await postRaw(alice.token, { status: "hi", in_reply_to_id: "123456789" });
    expectError({ status: res.status, body: await res.json() }, 404, /does not appear to exist/);
  });

  it("needs a user token with write:statuses", async () => {
    const alice = await newUser("alice");
    expectError({ ...(await send("POST", "/api/v1/statuses", null, { status: "x" })) }, 401);
    const readOnly = await issueToken(alice.id, ["read"]);
    expectError(await send("POST", "/api/v1/statuses", readOnly, { status: "x" }), 403);
    const app = await createAppToken();
    expectError(await send("POST", "/api/v1/statuses", app.token, { status: "x" }), 422, /requires an authenticated user/);
    expectError(await send("POST", "/api/v1/statuses", "u1.bogusbogusbogusbogusbogusbogusbogusbogus", { status: "x" }), 401);
  });

  it("honours Idempotency-Key", async () => {
    const alice = await newUser("alice");
    const first = await postRaw(alice.token, { status: "once" }, { "Idempotency-Key": "k1" });
    const again = await postRaw(alice.token, { status: "once" }, { "Idempotency-Key": "k1" });
    const other = await postRaw(alice.token, { status: "once" }, { "Idempotency-Key": "k2" });
    const [a, b, c] = await Promise.all([first.json(), again.json(), other.json()]) as any[];
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    const page = await getJson(`/api/v1/accounts/${alice.id}/statuses`);
    expect(page.body).toHaveLength(2);
  });
});

describe("status text", () => {
  it("finds mentions, hashtags and links, and counts like Mastodon", () => {
    const text = "@a @B@example.com @c@localhost:8787 mail@x.org https://x.org/#nottag #Tag_1 (#in) a#b #123";
    expect(extractMentions(text)).toEqual([
      { username: "a", domain: null },
      { username: "B", domain: "example.com" },
      { username: "c", domain: "localhost:8787" },
    ]);
    expect(extractTags(text)).toEqual(["tag_1", "in"]);
    expect(statusLength(`@alice@very.long.example.com ${"https://example.com/" + "x".repeat(80)}`)).toBe(6 + 1 + 23);
    const html = renderStatusHtml("@a and @b@remote.example #x", { mentionUrl: (m) => (m.domain ? undefined : "https://h/@a"), tagUrl: (n) => `https://h/tags/${n}` });
    expect(html).toBe(
      '<p><span class="h-card" translate="no"><a href="https://h/@a" class="u-url mention">@<span>a</span></a></span> and @b@remote.example ' +
        '<a href="https://h/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a></p>',
    );
  });
});

describe("reading statuses", () => {
  it("answers 404 for unknown or malformed ids on every status route", async () => {
    const alice = await newUser("alice");
    for (const id of ["999999999999", "abc"]) {
      for (const path of ["", "/context", "/history", "/source", "/favourited_by", "/reblogged_by"]) {
        expectError(await getJson(`/api/v1/statuses/${id}${path}`, alice.token), 404, /Record not found/);
      }
      for (const action of ["favourite", "unfavourite", "reblog", "unreblog", "bookmark", "unbookmark", "pin", "unpin", "mute", "unmute"]) {
        expectError(await send("POST", `/api/v1/statuses/${id}/${action}`, alice.token), 404);
      }
      expectError(await send("PUT", `/api/v1/statuses/${id}`, alice.token, { status: "x" }), 404);
      expectError(await send("DELETE", `/api/v1/statuses/${id}`, alice.token), 404);
    }
    expectError(await getJson("/api/v1/accounts/123456789/statuses"), 404);
  });

  it("GET /api/v1/statuses?id[]= returns the visible ones in order", async () => {
    const alice = await newUser("alice");
    const a = await post(alice, { status: "a" });
    const b = await post(alice, { status: "b", visibility: "direct" });
    const c = await post(alice, { status: "c" });
    const res = await getJson(`/api/v1/statuses?id[]=${c.id}&id[]=${b.id}&id[]=${a.id}&id[]=42&id[]=x`);
    expect(res.status).toBe(200);
    expect(res.body.map((s: any) => s.id)).toEqual([c.id, a.id]);
    for (const s of res.body) expectSchema(s, "Status");
    const own = await getJson(`/api/v1/statuses?id[]=${c.id}&id[]=${b.id}`, alice.token);
    expect(own.body.map((s: any) => s.id)).toEqual([c.id, b.id]);
  });
});

describe("editing and deleting", () => {
  it("edits keep history and source", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "first #one", spoiler_text: "" });
    expect(s.edited_at).toBeNull();

    const single = await getJson(`/api/v1/statuses/${s.id}/history`);
    expect(single.body).toHaveLength(1);
    expectSchema(single.body[0], "StatusEdit");

    const edited = await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: `second @${bob.username} #two`, spoiler_text: "cw" });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expectSchema(edited.body, "Status");
    expect(edited.body.id).toBe(s.id);
    expect(edited.body.content).toContain("second");
    expect(edited.body.edited_at).not.toBeNull();
    expect(edited.body.spoiler_text).toBe("cw");
    expect(edited.body.sensitive).toBe(true);
    expect(edited.body.tags.map((t: any) => t.name)).toEqual(["two"]);
    expect(edited.body.mentions.map((m: any) => m.id)).toEqual([bob.id]);

    const history = await getJson(`/api/v1/statuses/${s.id}/history`);
    expect(history.body).toHaveLength(2);
    for (const v of history.body) expectSchema(v, "StatusEdit");
    expect(history.body[0].content).toContain("first");
    expect(history.body[1].content).toContain("second");

    const source = await getJson(`/api/v1/statuses/${s.id}/source`, alice.token);
    expect(source.status).toBe(200);
    expectSchema(source.body, "StatusSource");
    expect(source.body).toEqual({ id: s.id, text: `second @${bob.username} #two`, spoiler_text: "cw" });
    expectError(await getJson(`/api/v1/statuses/${s.id}/source`), 401);

    // Someone else cannot edit it; bad edits are 422.
    expectError(await send("PUT", `/api/v1/statuses/${s.id}`, bob.token, { status: "mine now" }), 404);
    expectError(await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "" }), 422, /Text can't be blank/);
    expectError(await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "x", media_ids: ["1"] }), 422, /Media/);
  });

  it("deleting returns the source text and removes the status everywhere the author keeps it", async () => {
    const alice = await newUser("alice");
    const s = await post(alice, { status: "bye #gone", poll: { options: ["a", "b"], expires_in: 3600 } });
    const deleted = await send("DELETE", `/api/v1/statuses/${s.id}`, alice.token);
    expect(deleted.status).toBe(200);
    expectSchema(deleted.body, "Status");
    expect(deleted.body.text).toBe("bye #gone");
    expect(deleted.body.poll.options).toHaveLength(2);
    expectError(await getJson(`/api/v1/statuses/${s.id}`), 404);
    expect((await getJson(`/api/v1/accounts/${alice.id}/statuses`)).body).toEqual([]);
    expect((await getJson(`/api/v1/accounts/${alice.id}`)).body.statuses_count).toBe(0);
    expectError(await send("DELETE", `/api/v1/statuses/${s.id}`, alice.token), 404);
    const home = await inObject(alice.id, (o) => o.sql.exec("SELECT id FROM home WHERE id = ?", s.id).toArray());
    expect(home).toEqual([]);
  });

  it("only the author deletes", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "mine" });
    expectError(await send("DELETE", `/api/v1/statuses/${s.id}`, bob.token), 404);
    expect((await getJson(`/api/v1/statuses/${s.id}`)).status).toBe(200);
  });
});

describe("replies and context", () => {
  it("threads replies, counts them, and serves ancestors and descendants", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const root = await post(alice, { status: "root" });
    const r1 = await post(bob, { status: `@${alice.username} reply`, in_reply_to_id: root.id });
    expect(r1.in_reply_to_id).toBe(root.id);
    expect(r1.in_reply_to_account_id).toBe(alice.id);
    const r2 = await post(alice, { status: "reply to reply", in_reply_to_id: r1.id });
    const r3 = await post(bob, { status: "second branch", in_reply_to_id: root.id });

    expect((await getJson(`/api/v1/statuses/${root.id}`)).body.replies_count).toBe(2);
    expect((await getJson(`/api/v1/statuses/${r1.id}`)).body.replies_count).toBe(1);

    const ctx = await getJson(`/api/v1/statuses/${root.id}/context`);
    expect(ctx.status).toBe(200);
    expectSchema(ctx.body, "Context");
    expect(ctx.body.ancestors).toEqual([]);
    expect(ctx.body.descendants.map((s: any) => s.id)).toEqual([r1.id, r2.id, r3.id]);
    expect(ctx.body.descendants[0].replies_count).toBe(1);

    const mid = await getJson(`/api/v1/statuses/${r2.id}/context`, bob.token);
    expectSchema(mid.body, "Context");
    expect(mid.body.ancestors.map((s: any) => s.id)).toEqual([root.id, r1.id]);
    expect(mid.body.descendants).toEqual([]);
    expect(mid.body.ancestors[0].favourited).toBe(false);

    const lone = await post(alice, { status: "no thread" });
    expect((await getJson(`/api/v1/statuses/${lone.id}/context`)).body).toEqual({ ancestors: [], descendants: [] });

    // Deleting a reply updates the count and the thread.
    expect((await send("DELETE", `/api/v1/statuses/${r3.id}`, bob.token)).status).toBe(200);
    expect((await getJson(`/api/v1/statuses/${root.id}`)).body.replies_count).toBe(1);
    expect((await getJson(`/api/v1/statuses/${root.id}/context`)).body.descendants.map((s: any) => s.id)).toEqual([r1.id, r2.id]);
  });

  it("an edit or a favourite reaches the thread", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const root = await post(alice, { status: "root" });
    const reply = await post(bob, { status: "typo", in_reply_to_id: root.id });
    await send("PUT", `/api/v1/statuses/${reply.id}`, bob.token, { status: "fixed" });
    await send("POST", `/api/v1/statuses/${reply.id}/favourite`, alice.token);
    await runJobs(bob.id, 1);
    const [d] = (await getJson(`/api/v1/statuses/${root.id}/context`)).body.descendants;
    expect(d.content).toBe("<p>fixed</p>");
    expect(d.edited_at).not.toBeNull();
    expect(d.favourites_count).toBe(1);
  });

  it("re-running the link and unlink jobs changes nothing", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const root = await post(alice, { status: "root" });
    await post(bob, { status: "reply", in_reply_to_id: root.id });
    await runJobs(bob.id);
    await runJobs(alice.id);
    expect((await getJson(`/api/v1/statuses/${root.id}`)).body.replies_count).toBe(1);
    expect((await getJson(`/api/v1/statuses/${root.id}/context`)).body.descendants).toHaveLength(1);
  });
});

describe("GET /api/v1/accounts/:id/statuses", () => {
  it("pages with Link headers and filters replies, boosts, tags and pins", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post(alice, { status: `post ${i} ${i % 2 ? "#odd" : ""}` })).id);
    const other = await post(bob, { status: "bob's" });
    const reply = (await post(alice, { status: "reply to bob", in_reply_to_id: other.id })).id;
    const selfReply = (await post(alice, { status: "self reply", in_reply_to_id: ids[0] })).id;
    const boost = await send("POST", `/api/v1/statuses/${other.id}/reblog`, alice.token);
    expect(boost.status).toBe(200);

    const first = await getJson(`/api/v1/accounts/${alice.id}/statuses?limit=3`);
    expect(first.body.map((s: any) => s.id)).toEqual([boost.body.id, selfReply, reply]);
    for (const s of first.body) expectSchema(s, "Status");
    expect(first.link).toContain(`max_id=${reply}`);
    expect(first.link).toContain('rel="next"');
    expect(first.link).toContain(`min_id=${boost.body.id}`);
    const next = new URL(first.link!.match(/<([^>]+)>; rel="next"/)![1]);
    const second = await getJson(next.pathname + next.search);
    expect(second.body.map((s: any) => s.id)).toEqual([ids[4], ids[3], ids[2]]);
    const newer = await getJson(`/api/v1/accounts/${alice.id}/statuses?min_id=${ids[2]}&limit=2`);
    expect(newer.body.map((s: any) => s.id)).toEqual([ids[4], ids[3]]);
    const since = await getJson(`/api/v1/accounts/${alice.id}/statuses?since_id=${ids[2]}&limit=2`);
    expect(since.body.map((s: any) => s.id)).toEqual([boost.body.id, selfReply]);

    const noReplies = await getJson(`/api/v1/accounts/${alice.id}/statuses?exclude_replies=true&limit=40`);
    expect(noReplies.body.map((s: any) => s.id)).not.toContain(reply);
    expect(noReplies.body.map((s: any) => s.id)).toContain(selfReply);
    const noBoosts = await getJson(`/api/v1/accounts/${alice.id}/statuses?exclude_reblogs=1`);
    expect(noBoosts.body.map((s: any) => s.id)).not.toContain(boost.body.id);
    const tagged = await getJson(`/api/v1/accounts/${alice.id}/statuses?tagged=ODD`);
    expect(tagged.body.map((s: any) => s.id)).toEqual([ids[3], ids[1]]);
    expect((await getJson(`/api/v1/accounts/${alice.id}/statuses?only_media=true`)).body).toEqual([]);

    expect((await send("POST", `/api/v1/statuses/${ids[1]}/pin`, alice.token)).status).toBe(200);
    const pinned = await getJson(`/api/v1/accounts/${alice.id}/statuses?pinned=true`, alice.token);
    expect(pinned.body.map((s: any) => s.id)).toEqual([ids[1]]);
    expect(pinned.body[0].pinned).toBe(true);
  });
});
