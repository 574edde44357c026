import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, BASE, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import type { MentionRecord, StatusRecord, Visibility } from "../../schemas/records";
import type { StatusDraft } from "../../objects/account/statuses";
import { AS_PUBLIC, FEDERATION_CONTEXT } from "../../lib/federation/context";

/**
 * The ActivityPub documents and HTML pages of local accounts over HTTP. State is created through
 * the account objects' own RPC methods (the ones the statuses and graph APIs call).
 */
const AS2 = { accept: "application/activity+json" };
const LD = { accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' };
const HTML = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };

const stub = (id: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(id));
const actorOf = (u: TestUser) => `${BASE}/users/${u.username}`;

async function post(
  u: TestUser,
  content: string,
  options: { visibility?: Visibility; spoiler?: string; mentions?: MentionRecord[]; tags?: string[]; replyTo?: string; poll?: StatusDraft["poll"] } = {},
): Promise<StatusRecord> {
  const draft: StatusDraft = {
    text: content,
    content: `<p>${content}</p>`,
    spoiler_text: options.spoiler ?? "",
    visibility: options.visibility ?? "public",
    sensitive: null,
    language: "en",
    in_reply_to_id: options.replyTo ?? null,
    mentions: options.mentions ?? [],
    tags: options.tags ?? [],
    poll: options.poll ?? null,
  };
  const result = await stub(u.id).postStatus(u.token, { draft, idempotencyKey: null, scheduledAt: null });
  if (!result.ok || result.value.kind !== "status") throw new Error(`post failed: ${JSON.stringify(result)}`);
  return result.value.value.status;
}

async function as2(path: string, headers: Record<string, string> = AS2): Promise<{ res: Response; body: Record<string, any> }> {
  const res = await api(path, { headers });
  return { res, body: res.headers.get("content-type")?.includes("json") ? ((await res.json()) as Record<string, any>) : {} };
}

function expectAs2(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/activity+json; charset=utf-8");
  expect(res.headers.get("vary")).toMatch(/accept/i);
}

describe("actor document over HTTP", () => {
  let alice: TestUser;
  beforeAll(async () => {
    alice = await registerUser(uniqueName("apactor"));
    const res = await api(
      "/api/v1/accounts/update_credentials",
      jsonBody("PATCH", { display_name: "Alice", note: "Hello there", fields_attributes: [{ name: "Web", value: "https://alice.example" }] }, alice.token),
    );
    expect(res.status).toBe(200);
  });

  it("serves the actor to activity+json and ld+json with exact ids", async () => {
    for (const headers of [AS2, LD]) {
      const { res, body } = await as2(`/users/${alice.username}`, headers);
      expectAs2(res);
      const id = actorOf(alice);
      expect(body["@context"]).toEqual(JSON.parse(JSON.stringify(FEDERATION_CONTEXT)));
      expect(body).toMatchObject({
        id,
        type: "Person",
        preferredUsername: alice.username,
        name: "Alice",
        summary: "<p>Hello there</p>",
        url: `${BASE}/@${alice.username}`,
        inbox: `${id}/inbox`,
        outbox: `${id}/outbox`,
        followers: `${id}/followers`,
        following: `${id}/following`,
        featured: `${id}/collections/featured`,
        featuredTags: `${id}/collections/tags`,
        endpoints: { sharedInbox: `${BASE}/inbox` },
        webfinger: `${alice.username}@pronghorn.test`,
        manuallyApprovesFollowers: false,
        discoverable: expect.any(Boolean),
        indexable: expect.any(Boolean),
        publicKey: { id: `${id}#main-key`, owner: id },
        tag: [],
        alsoKnownAs: [],
      });
      expect(body.published).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00\.000Z$/);
      expect(body.attachment).toEqual([{ type: "PropertyValue", name: "Web", value: expect.stringContaining('href="https://alice.example"') }]);
      expect(body.assertionMethod[0]).toMatchObject({ id: `${id}#ed25519-key`, type: "Multikey", controller: id });
      expect(body.assertionMethod[0].publicKeyMultibase).toMatch(/^z6Mk/);
    }
  });

  it("publishes a real RSA public key in SPKI PEM", async () => {
    const { body } = await as2(`/users/${alice.username}`);
    const pem: string = body.publicKey.publicKeyPem;
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const der = Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (ch) => ch.charCodeAt(0));
    const key = await crypto.subtle.importKey("spki", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    expect((key.algorithm as unknown as { modulusLength: number }).modulusLength).toBe(2048);
  });

  it("redirects browsers from the actor URL to the profile page, and serves AS2 at the profile URL when asked", async () => {
    const res = await api(`/users/${alice.username}`, { headers: HTML, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${BASE}/@${alice.username}`);
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const noAccept = await api(`/users/${alice.username}`, { redirect: "manual" });
    expect(noAccept.status).toBe(302);

    const { res: viaProfile, body } = await as2(`/@${alice.username}`);
    expectAs2(viaProfile);
    expect(body.id).toBe(actorOf(alice));
  });

  it("serves the HTML profile page with an alternate link to the actor", async () => {
    const res = await api(`/@${alice.username}`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const page = await res.text();
    expect(page).toContain(`<link rel="alternate" type="application/activity+json" href="${actorOf(alice)}">`);
    expect(page).toContain(`@${alice.username}@pronghorn.test`);
    expect(page).toContain("<p>Hello there</p>");
  });

  it("prefers HTML only when the client ranks it higher", async () => {
    const mixed = await api(`/@${alice.username}`, { headers: { accept: "text/html;q=0.5, application/activity+json" } });
    expect(mixed.headers.get("content-type")).toContain("activity+json");
    const htmlFirst = await api(`/@${alice.username}`, { headers: { accept: "text/html, application/activity+json;q=0.1" } });
    expect(htmlFirst.headers.get("content-type")).toContain("text/html");
    const otherProfile = await api(`/@${alice.username}`, { headers: { accept: 'application/ld+json; profile="https://example.com/other"' } });
    expect(otherProfile.headers.get("content-type")).toContain("text/html");
  });

  it("is a Service for bots and 404 for unknown, invalid or unapproved accounts", async () => {
    const bot = await registerUser(uniqueName("apbot"));
    await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { bot: true }, bot.token));
    expect((await as2(`/users/${bot.username}`)).body.type).toBe("Service");

    expect((await api("/users/nobody_here_at_all", { headers: AS2 })).status).toBe(404);
    expect((await api("/users/bad-name!", { headers: AS2 })).status).toBe(404);
    const pending = await registerUser(uniqueName("appending"), { approved: false });
    expect((await api(`/users/${pending.username}`, { headers: AS2 })).status).toBe(404);
    const page = await api("/@nobody_here_at_all", { headers: HTML });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toContain("text/html");
  });
});

describe("statuses and collections over HTTP", () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let publicPost: StatusRecord;
  let unlisted: StatusRecord;
  let privatePost: StatusRecord;
  let direct: StatusRecord;
  let reply: StatusRecord;
  let pollPost: StatusRecord;
  let bobPost: StatusRecord;
  let boost: StatusRecord;

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([registerUser(uniqueName("apa")), registerUser(uniqueName("apb")), registerUser(uniqueName("apc"))]);
    const bobMention: MentionRecord = { id: bob.id, username: bob.username, domain: null };
    publicPost = await post(alice, "first public", { tags: ["pronghorn"] });
    unlisted = await post(alice, "quiet", { visibility: "unlisted" });
    privatePost = await post(alice, "followers only", { visibility: "private" });
    direct = await post(alice, "secret", { visibility: "direct", mentions: [bobMention] });
    bobPost = await post(bob, "bob says hi");
    reply = await post(alice, "hi bob", { replyTo: bobPost.id, mentions: [bobMention] });
    pollPost = await post(alice, "vote", { poll: { options: ["yes", "no"], expires_in: 3600, multiple: false, hide_totals: false } });
    const boosted = await stub(alice.id).statusAction(alice.token, "reblog", bobPost.id);
    if (!boosted.ok) throw new Error(JSON.stringify(boosted));
    boost = boosted.value.status;
    // Bob and Carol follow Alice; Alice follows Carol.
    for (const [who, target] of [[bob, alice], [carol, alice], [alice, carol]] as const) {
      const followed = await stub(who.id).follow(who.token, target.id, {});
      if (!followed.ok) throw new Error(JSON.stringify(followed));
    }
  });

  it("outbox: an OrderedCollection with first and last pages", async () => {
    const { res, body } = await as2(`/users/${alice.username}/outbox`);
    expectAs2(res);
    const outbox = `${actorOf(alice)}/outbox`;
    expect(body).toMatchObject({
      id: outbox,
      type: "OrderedCollection",
      first: `${outbox}?page=true`,
      last: `${outbox}?min_id=0&page=true`,
    });
    expect(body.totalItems).toBeGreaterThanOrEqual(6);
  });

  it("outbox pages list Create and Announce of public and unlisted statuses only, newest first", async () => {
    const outbox = `${actorOf(alice)}/outbox`;
    const { res, body } = await as2(`/users/${alice.username}/outbox?page=true`);
    expectAs2(res);
    expect(body).toMatchObject({ id: `${outbox}?page=true`, type: "OrderedCollectionPage", partOf: outbox });
    const items = body.orderedItems as Record<string, any>[];
    const ids = items.map((a) => (a.type === "Create" ? a.object.id : a.id));
    const uri = (s: StatusRecord) => `${actorOf(alice)}/statuses/${s.id}`;
    expect(ids).toEqual([`${uri(boost)}/activity`, uri(pollPost), uri(reply), uri(unlisted), uri(publicPost)]);
    expect(items[0]).toMatchObject({ type: "Announce", actor: actorOf(alice), object: `${actorOf(bob)}/statuses/${bobPost.id}` });
    expect(items[0]).not.toHaveProperty("@context");
    expect(items[1]).toMatchObject({ type: "Create", id: `${uri(pollPost)}/activity`, object: { type: "Question" } });
    expect(JSON.stringify(body)).not.toContain(privatePost.id);
    expect(JSON.stringify(body)).not.toContain(direct.id);
    expect(body.prev).toBe(`${outbox}?min_id=${boost.id}&page=true`);
    expect(body).not.toHaveProperty("next");
  });

  it("outbox pages by max_id and min_id", async () => {
    const older = await as2(`/users/${alice.username}/outbox?page=true&max_id=${reply.id}`);
    const olderIds = (older.body.orderedItems as Record<string, any>[]).map((a) => a.object.id);
    expect(olderIds).toEqual([`${actorOf(alice)}/statuses/${unlisted.id}`, `${actorOf(alice)}/statuses/${publicPost.id}`]);
    expect(older.body.id).toBe(`${actorOf(alice)}/outbox?max_id=${reply.id}&page=true`);
    const newer = await as2(`/users/${alice.username}/outbox?page=true&min_id=${pollPost.id}`);
    expect((newer.body.orderedItems as unknown[]).length).toBe(1);
  });

  it("a public Note at its URI, its Create at /activity, and the same Note at the status page URL", async () => {
    const id = `${actorOf(alice)}/statuses/${publicPost.id}`;
    const { res, body } = await as2(`/users/${alice.username}/statuses/${publicPost.id}`);
    expectAs2(res);
    expect(body).toMatchObject({
      id,
      type: "Note",
      url: `${BASE}/@${alice.username}/${publicPost.id}`,
      attributedTo: actorOf(alice),
      to: [AS_PUBLIC],
      cc: [`${actorOf(alice)}/followers`],
      content: "<p>first public</p>",
      contentMap: { en: "<p>first public</p>" },
      inReplyTo: null,
      tag: [{ type: "Hashtag", href: `${BASE}/tags/pronghorn`, name: "#pronghorn" }],
    });
    const activity = await as2(`/users/${alice.username}/statuses/${publicPost.id}/activity`);
    expectAs2(activity.res);
    expect(activity.body).toMatchObject({ id: `${id}/activity`, type: "Create", actor: actorOf(alice), object: { id } });
    const viaPage = await as2(`/@${alice.username}/${publicPost.id}`);
    expect(viaPage.body.id).toBe(id);
  });

  it("an unlisted Note is served with unlisted addressing", async () => {
    const { body } = await as2(`/users/${alice.username}/statuses/${unlisted.id}`);
    expect(body).toMatchObject({ to: [`${actorOf(alice)}/followers`], cc: [AS_PUBLIC] });
  });

  it("a reply names its parent in inReplyTo and addresses the mentioned account", async () => {
    const { body } = await as2(`/users/${alice.username}/statuses/${reply.id}`);
    expect(body.inReplyTo).toBe(`${actorOf(bob)}/statuses/${bobPost.id}`);
    expect(body.cc).toContain(actorOf(bob));
    expect(body.tag).toContainEqual({ type: "Mention", href: actorOf(bob), name: `@${bob.username}@pronghorn.test` });
  });

  it("inReplyTo is resolved for self-replies and for local parents whose author is not mentioned", async () => {
    const self = await post(alice, "and another thing", { replyTo: publicPost.id });
    expect((await as2(`/users/${alice.username}/statuses/${self.id}`)).body.inReplyTo).toBe(`${actorOf(alice)}/statuses/${publicPost.id}`);
    const carolPost = await post(carol, "carol here");
    const silent = await post(alice, "no mention", { replyTo: carolPost.id });
    expect((await as2(`/users/${alice.username}/statuses/${silent.id}`)).body.inReplyTo).toBe(`${actorOf(carol)}/statuses/${carolPost.id}`);
  });

  it("a poll is served as a Question", async () => {
    const { body } = await as2(`/users/${alice.username}/statuses/${pollPost.id}`);
    expect(body).toMatchObject({
      type: "Question",
      endTime: pollPost.poll!.expires_at,
      votersCount: 0,
      oneOf: [
        { type: "Note", name: "yes", replies: { type: "Collection", totalItems: 0 } },
        { type: "Note", name: "no", replies: { type: "Collection", totalItems: 0 } },
      ],
    });
  });

  it("private and direct statuses are 404 without a signed fetch (phase 3), as are unknown ids and other authors", async () => {
    for (const s of [privatePost, direct]) {
      expect((await api(`/users/${alice.username}/statuses/${s.id}`, { headers: AS2 })).status).toBe(404);
      expect((await api(`/users/${alice.username}/statuses/${s.id}/activity`, { headers: AS2 })).status).toBe(404);
      expect((await api(`/@${alice.username}/${s.id}`, { headers: HTML })).status).toBe(404);
    }
    expect((await api(`/users/${alice.username}/statuses/123456789`, { headers: AS2 })).status).toBe(404);
    expect((await api(`/users/${alice.username}/statuses/abc`, { headers: AS2 })).status).toBe(404);
    expect((await api(`/users/${carol.username}/statuses/${publicPost.id}`, { headers: AS2 })).status).toBe(404);
  });

  it("a boost: Announce at /activity; its URI and page lead to the original", async () => {
    const activity = await as2(`/users/${alice.username}/statuses/${boost.id}/activity`);
    expect(activity.body).toMatchObject({
      id: `${actorOf(alice)}/statuses/${boost.id}/activity`,
      type: "Announce",
      object: `${actorOf(bob)}/statuses/${bobPost.id}`,
      cc: expect.arrayContaining([actorOf(bob)]),
    });
    const object = await api(`/users/${alice.username}/statuses/${boost.id}`, { headers: AS2, redirect: "manual" });
    expect(object.status).toBe(302);
    expect(object.headers.get("location")).toBe(`${actorOf(bob)}/statuses/${bobPost.id}`);
    const page = await api(`/@${alice.username}/${boost.id}`, { headers: HTML, redirect: "manual" });
    expect(page.headers.get("location")).toBe(`${BASE}/@${bob.username}/${bobPost.id}`);
  });

  it("browsers get the status page at /@user/:id and a redirect from the status URI", async () => {
    const res = await api(`/users/${alice.username}/statuses/${publicPost.id}`, { headers: HTML, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${BASE}/@${alice.username}/${publicPost.id}`);
    const page = await api(`/@${alice.username}/${publicPost.id}`, { headers: HTML });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(`<link rel="alternate" type="application/activity+json" href="${actorOf(alice)}/statuses/${publicPost.id}">`);
    expect(text).toContain("<p>first public</p>");
  });

  it("followers and following: totalItems, first page, actor URIs", async () => {
    const followers = `${actorOf(alice)}/followers`;
    const { res, body } = await as2(`/users/${alice.username}/followers`);
    expectAs2(res);
    expect(body).toEqual({
      "@context": JSON.parse(JSON.stringify(FEDERATION_CONTEXT)),
      id: followers,
      type: "OrderedCollection",
      totalItems: 2,
      first: `${followers}?page=true`,
    });
    const page = await as2(`/users/${alice.username}/followers?page=true`);
    expect(page.body).toMatchObject({ type: "OrderedCollectionPage", partOf: followers, totalItems: 2 });
    expect(page.body.orderedItems).toEqual([actorOf(carol), actorOf(bob)]);
    const following = await as2(`/users/${alice.username}/following?page=true`);
    expect(following.body.orderedItems).toEqual([actorOf(carol)]);
    expect(following.body.totalItems).toBe(1);
  });

  it("featured: pinned statuses as Notes; tags: featured hashtags", async () => {
    const pinned = await stub(alice.id).statusAction(alice.token, "pin", publicPost.id);
    expect(pinned.ok).toBe(true);
    const featured = await as2(`/users/${alice.username}/collections/featured`);
    expectAs2(featured.res);
    expect(featured.body).toMatchObject({
      id: `${actorOf(alice)}/collections/featured`,
      type: "OrderedCollection",
      totalItems: 1,
      orderedItems: [{ id: `${actorOf(alice)}/statuses/${publicPost.id}`, type: "Note" }],
    });
    const tagged = await stub(alice.id).featureTag(alice.token, "pronghorn");
    expect(tagged.ok).toBe(true);
    const tags = await as2(`/users/${alice.username}/collections/tags`);
    expect(tags.body).toMatchObject({
      id: `${actorOf(alice)}/collections/tags`,
      type: "Collection",
      totalItems: 1,
      items: [{ type: "Hashtag", href: `${BASE}/tags/pronghorn`, name: "#pronghorn" }],
    });
  });

  it("hide_collections: counts stay, items go", async () => {
    const res = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { hide_collections: true }, carol.token));
    expect(res.status).toBe(200);
    for (const which of ["followers", "following"]) {
      const { body } = await as2(`/users/${carol.username}/${which}`);
      expect(body).toMatchObject({ type: "OrderedCollection", totalItems: 1 });
      expect(body).not.toHaveProperty("first");
      const page = await api(`/users/${carol.username}/${which}?page=true`, { headers: AS2 });
      expect(page.status).toBe(403);
      expect(await page.json()).toHaveProperty("error");
    }
  });
});

describe("HTML pages escape what people typed", () => {
  it("escapes display names, content warnings and poll options on the status and profile pages", async () => {
    const mallory = await registerUser(uniqueName("apm"));
    await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { display_name: '<script>alert("x")</script>' }, mallory.token));
    const s = await post(mallory, "body", {
      spoiler: '<img src=x onerror="alert(1)">',
      poll: { options: ["<b>bold</b>", "plain"], expires_in: 3600, multiple: false, hide_totals: false },
    });
    for (const path of [`/@${mallory.username}/${s.id}`, `/@${mallory.username}`]) {
      const res = await api(path, { headers: HTML });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).not.toContain("<script>alert");
      expect(page).not.toContain("<img src=x");
      expect(page).not.toContain("<b>bold</b>");
      expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
      expect(page).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
      expect(page).toContain("&lt;b&gt;bold&lt;/b&gt;");
      expect(page).toContain("<p>body</p>");
    }
  });
});
