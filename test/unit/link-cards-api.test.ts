import { afterAll, describe, expect, it } from "vitest";
import { installFakeNetwork, uninstallFakeNetwork } from "./federation-peer";
import { expectSchema } from "./openapi";
import { cardSite } from "./link-cards-site";
import { get, post, settle, users } from "./timelines-helpers";
import { api, createAppToken } from "./helpers";
import { AS_PUBLIC } from "../../lib/federation/context";
import { createOf, deliver, localActor, mentionTag, noteOf, notificationsOf, remoteServer } from "./federation-handlers-helpers";

afterAll(() => uninstallFakeNetwork());

describe("GET /api/v1/trends/links and /api/v1/timelines/link", () => {
  it("ranks links by the accounts sharing them in public statuses, with history, and lists those statuses", async () => {
    const people = await users("tl1", "tl2", "tl3");
    const site = cardSite("trend");
    const popular = `${site.origin}/article`;
    const lesser = `${site.origin}/plain`;
    const shared = [];
    for (const u of people) shared.push(await post(u, { status: `so good ${popular}` }));
    await post(people[0], { status: `also ${lesser}` });
    // Not counted: private statuses, content warnings.
    await post(people[1], { status: `${lesser}`, visibility: "private" });
    await post(people[2], { status: `${lesser}`, spoiler_text: "cw" });
    await settle(people);

    const res = await get("/api/v1/trends/links?limit=20");
    expect(res.status).toBe(200);
    for (const l of res.body) expectSchema(l, "TrendsLink");
    const urls = res.body.map((l: any) => l.url);
    expect(urls.indexOf(popular)).toBeGreaterThanOrEqual(0);
    expect(urls.indexOf(popular)).toBeLessThan(urls.indexOf(lesser));
    const top = res.body.find((l: any) => l.url === popular);
    expect(top.history).toHaveLength(7);
    expect(top.history[0]).toMatchObject({ uses: "3", accounts: "3" });
    expect(res.body.find((l: any) => l.url === lesser).history[0]).toMatchObject({ uses: "1", accounts: "1" });
    // An app token reads them too; paging by offset.
    const app = await createAppToken(["read"]);
    expect((await get("/api/v1/trends/links?limit=1", app.token)).link).toMatch(/offset=1/);

    const timeline = await get(`/api/v1/timelines/link?url=${encodeURIComponent(popular)}`);
    expect(timeline.status).toBe(200);
    for (const s of timeline.body) expectSchema(s, "Status");
    expect(timeline.body.map((s: any) => s.id)).toEqual(shared.map((s) => s.id).reverse());
    const page = await get(`/api/v1/timelines/link?url=${encodeURIComponent(popular)}&limit=1`, people[0].token);
    expect(page.body.map((s: any) => s.id)).toEqual([shared[2].id]);
    expect(page.link).toMatch(/max_id=/);
    expect((await get(`/api/v1/timelines/link?url=${encodeURIComponent(popular)}&remote=true`)).body).toEqual([]);
  });

  it("answers 404 for a link that is not trending, and for a missing or malformed url", async () => {
    for (const q of ["?url=https%3A%2F%2Fnowhere.example%2Fx", "", "?url=not%20a%20url", "?url=ftp%3A%2F%2Fx.example%2F"]) {
      const res = await get(`/api/v1/timelines/link${q}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toBe("Record not found");
    }
  });
});

describe("configuration.timelines_access", () => {
  it("says every instance-wide feed is open to anonymous readers", async () => {
    const res = await get("/api/v2/instance");
    expect(res.status).toBe(200);
    expectSchema(res.body, "Instance");
    expect(res.body.configuration.timelines_access).toEqual({
      live_feeds: { local: "public", remote: "public" },
      hashtag_feeds: { local: "public", remote: "public" },
      trending_link_feeds: { local: "public", remote: "public" },
    });
  });
});

describe("GET /api/oembed and the embed page", () => {
  it("answers Mastodon's rich oEmbed for public and unlisted statuses, 404 otherwise", async () => {
    const [author] = await users("oembed");
    const open = await post(author, { status: "embed me" });
    const unlisted = await post(author, { status: "quietly", visibility: "unlisted" });
    const closed = await post(author, { status: "followers only", visibility: "private" });
    const res = await get(`/api/oembed?url=${encodeURIComponent(open.url)}&maxwidth=500`);
    expect(res.status).toBe(200);
    expectSchema(res.body, "OEmbedResponse");
    expect(res.body).toMatchObject({
      type: "rich",
      version: "1.0",
      title: `New status by ${author.username}`,
      author_url: `https://pronghorn.test/@${author.username}`,
      provider_name: "pronghorn.test",
      provider_url: "https://pronghorn.test/",
      cache_age: 86400,
      width: 500,
      height: null,
    });
    expect(res.body.html).toBe(`<iframe src="${open.url}/embed" class="mastodon-embed" style="max-width: 100%; border: 0" width="500" allowfullscreen="allowfullscreen"></iframe>`);
    expect((await get(`/api/oembed?url=${encodeURIComponent(open.uri)}`)).status).toBe(200);
    expect((await get(`/api/oembed?url=${encodeURIComponent(unlisted.url)}`)).status).toBe(200);
    for (const url of [closed.url, `https://pronghorn.test/@${author.username}/1234`, "https://elsewhere.example/@a/1", "nonsense"]) {
      const r = await get(`/api/oembed?url=${encodeURIComponent(url)}`);
      expect(r.status).toBe(404);
      expect(r.body.error).toBe("Record not found");
    }
    expect((await get("/api/oembed")).status).toBe(404);
    expect((await get(`/api/oembed?url=${encodeURIComponent(open.url)}&maxwidth=wide`)).status).toBe(422);

    const page = await api(`/@${author.username}/${open.id}/embed`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBeNull();
    expect(page.headers.get("content-security-policy")).not.toMatch(/frame-ancestors/);
    expect(await page.text()).toContain("embed me");
    expect((await api(`/@${author.username}/${closed.id}/embed`, { headers: { accept: "text/html" } })).status).toBe(404);
    // The status page names its oEmbed document.
    const statusPage = await (await api(`/@${author.username}/${open.id}`, { headers: { accept: "text/html" } })).text();
    expect(statusPage).toContain(`type="application/json+oembed" href="https://pronghorn.test/api/oembed?url=${encodeURIComponent(open.url)}"`);
  });
});

describe("preview cards of remote statuses", () => {
  it("fetches the card of a status arriving by federation once, through the same cache", async () => {
    const [reader] = await users("lcremote");
    const server = remoteServer("cardpeer");
    const site = cardSite("remote-site");
    installFakeNetwork(server.peer, site);
    const carol = await server.actor("carol");
    const content = `<p><span class="h-card"><a href="${localActor(reader)}" class="u-url mention">@<span>${reader.username}</span></a></span> see <a href="${server.peer.origin}/tags/deer" rel="tag">#deer</a> <a href="${site.origin}/article">${site.origin}/article</a></p>`;
    const note = noteOf(carol, { content, to: [AS_PUBLIC, localActor(reader)], tag: [mentionTag(reader)] });
    const entry = await deliver(createOf(carol, note), carol);
    expect(entry).toMatchObject({ state: "done" });
    const mention = (await notificationsOf(reader, "mention")).find((n: any) => n.status.uri === note.id);
    expect(mention?.status.card).toMatchObject({ url: `${site.origin}/article`, title: "Pronghorns & antelopes" });
    expectSchema(mention.status.card, "PreviewCard");
    const single = await get(`/api/v1/statuses/${mention.status.id}`, reader.token);
    expect(single.body.card?.url).toBe(`${site.origin}/article`);
    expect(site.received((r) => new URL(r.url).pathname === "/article")).toHaveLength(1);
  });
});
