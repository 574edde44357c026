import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { uninstallFakeNetwork } from "./federation-peer";
import { expectSchema } from "./openapi";
import { cardSite } from "./link-cards-site";
import { inObject } from "./status-helpers";
import { api } from "./helpers";
import { connect, forEvent, payloadOf } from "./streaming-helpers";
import { call, follow, get, post, settle, users } from "./timelines-helpers";
import { buildCard } from "../../objects/link-cards/build-card";
import { firstCardLink } from "../../lib/link-cards/links";
import { FetchRefused } from "../../lib/federation/safe-fetch";

afterAll(() => uninstallFakeNetwork());

const pageRequests = (site: ReturnType<typeof cardSite>, path: string) => site.received((r) => new URL(r.url).pathname === path).length;

async function cardOf(id: string, token?: string): Promise<any> {
  const res = await get(`/api/v1/statuses/${id}`, token);
  expect(res.status).toBe(200);
  expectSchema(res.body, "Status");
  return res.body.card;
}

describe("preview cards of local statuses", () => {
  it("fills the card from OpenGraph after the post, for the author, followers' homes and the public timeline; one fetch per link", async () => {
    const [author, reader, other] = await users("lcauthor", "lcreader", "lcother");
    const site = cardSite("cards", `@${author.username}@pronghorn.test`);
    await follow(reader, author);
    const stream = await connect(reader.token, "stream=user");
    const status = await post(author, { status: `Read this ${site.origin}/article #deer` });
    expect(status.card).toBeNull(); // the answer comes before the fetch, as with Mastodon
    await settle([author, reader]);
    // A follower's stream hears of the post with its card.
    expect(payloadOf(await stream.next(forEvent("update", ["user"]))).card?.title).toBe("Pronghorns & antelopes");
    stream.ws.close();

    const card = await cardOf(status.id, author.token);
    expectSchema(card, "PreviewCard");
    expect(card).toMatchObject({
      url: `${site.origin}/article`,
      title: "Pronghorns & antelopes",
      description: "Why they are not antelopes",
      type: "link",
      provider_name: "Field Notes",
      author_name: "Ada Field",
      image: `${site.origin}/img/cover.jpg`,
      width: 1200,
      height: 630,
      html: "",
      language: "en",
      published_at: "2024-05-01T10:00:00.000Z",
    });
    expect(card.authors).toHaveLength(1);
    expect(card.authors[0].account).toMatchObject({ id: author.id, username: author.username });
    expectSchema(card.authors[0], "PreviewCardAuthor");

    const home = await get("/api/v1/timelines/home", reader.token);
    expect(home.body.find((s: any) => s.id === status.id)?.card?.title).toBe("Pronghorns & antelopes");
    const publicTl = await get("/api/v1/timelines/public?limit=40");
    expect(publicTl.body.find((s: any) => s.id === status.id)?.card?.url).toBe(`${site.origin}/article`);
    const tagTl = await get("/api/v1/timelines/tag/deer?limit=40");
    expect(tagTl.body.find((s: any) => s.id === status.id)?.card).not.toBeNull();

    // The public status page shows it as text.
    const page = await (await api(`/@${author.username}/${status.id}`, { headers: { accept: "text/html" } })).text();
    expect(page).toContain(`<a href="${site.origin}/article" rel="nofollow noopener noreferrer"><strong>Pronghorns &amp; antelopes</strong></a>`);

    // Another account sharing the same link: the card comes from the cache.
    const again = await post(other, { status: `${site.origin}/article` });
    await settle([other]);
    expect((await cardOf(again.id)).title).toBe("Pronghorns & antelopes");
    expect(pageRequests(site, "/article")).toBe(1);
  });

  it("skips mentions, hashtags, media files and this server's own links, and takes the first link left", async () => {
    const [author, friend] = await users("lcskip", "lcfriend");
    const site = cardSite("skip");
    const status = await post(author, {
      status: `@${friend.username} #tagged https://pronghorn.test/@${friend.username} ${site.origin}/photo.jpg ${site.origin}/plain ${site.origin}/article`,
    });
    await settle([author]);
    const card = await cardOf(status.id);
    expect(card).toMatchObject({ url: `${site.origin}/plain`, title: "Just a title", description: "", language: "de", image: null });
    expect(pageRequests(site, "/photo.jpg")).toBe(0);
    expect(await firstCardLink('<p><a href="https://x.example/a.MP4">v</a></p>', { localOrigin: "https://pronghorn.test", mentionUrls: [] })).toBeNull();
  });

  it("uses a discovered oEmbed video, keeping only a rebuilt iframe; a rich embed that is only script falls back to the page", async () => {
    const [author] = await users("lcvideo");
    const site = cardSite("video");
    const video = await post(author, { status: `${site.origin}/video` });
    const rich = await post(author, { status: `${site.origin}/rich` });
    await settle([author]);
    const card = await cardOf(video.id);
    expectSchema(card, "PreviewCard");
    expect(card).toMatchObject({
      type: "video",
      title: "Running pronghorns",
      author_name: "Ada",
      author_url: `${site.origin}/ada`,
      provider_name: "Tube",
      provider_url: `${site.origin}/`,
      width: 640,
      height: 360,
      image: `${site.origin}/thumb.jpg`,
    });
    expect(card.html).toBe('<iframe src="https://player.example.com/embed/1?a=1&amp;b=2" width="640" height="360" frameborder="0" allowfullscreen="true"></iframe>');
    expect((await buildCard(`${site.origin}/latin1`, env))?.title).toBe("Café"); // decoded by the page's charset
    const richCard = await cardOf(rich.id);
    expect(richCard).toMatchObject({ type: "link", title: "Rich page", html: "" });
  });

  it("gives no card for pages without a title, non-HTML answers, oversize pages and unknown hosts", async () => {
    const [author] = await users("lcnone");
    const site = cardSite("none");
    const ids = [];
    for (const path of ["/empty", "/data.json", "/big", "/missing"]) ids.push((await post(author, { status: `${site.origin}${path}` })).id);
    ids.push((await post(author, { status: "https://unreachable.example.org/page" })).id);
    await settle([author]);
    for (const id of ids) expect(await cardOf(id)).toBeNull();
  });

  it("refuses private addresses outside test mode, and stops at the size and time limits", async () => {
    const site = cardSite("limits");
    await expect(buildCard("https://10.1.2.3/page", env)).rejects.toBeInstanceOf(FetchRefused);
    await expect(buildCard("http://127.0.0.1:8080/page", env)).rejects.toThrow(/http:/);
    await expect(buildCard("https://localhost/page", env)).rejects.toThrow(/localhost/);
    await expect(buildCard(`${site.origin}/big`, env)).rejects.toThrow(/larger than/);
    const started = Date.now();
    await expect(buildCard(`${site.origin}/slow`, env)).rejects.toThrow(/Timed out/);
    expect(Date.now() - started).toBeLessThan(5_900);
    // The test switch lets a loopback address through to the network (here: the fake one, which has no such host).
    await expect(buildCard("http://127.0.0.1:8080/page", { ...env, ALLOW_PRIVATE_ADDRESSES: "true" })).rejects.toThrow(/no route to 127\.0\.0\.1/);
  }, 15_000);

  it("does not hold a post back for a slow link: the card reaches the copies later, quietly", async () => {
    const [author, reader] = await users("lclate", "lclatereader");
    const site = cardSite("late");
    await follow(reader, author);
    const stream = await connect(reader.token, "stream=user");
    const status = await post(author, { status: `wait for it ${site.origin}/slowish` });
    await settle([author, reader]);
    const before = await get("/api/v1/timelines/home", reader.token);
    expect(before.body.find((s: any) => s.id === status.id)?.card).toBeNull();
    // The late-card job is due a little later: make it due now.
    await inObject(author.id, (o) => o.sql.exec("UPDATE outbox SET next_at = ? WHERE kind = 'status.lateCard'", Date.now()));
    await settle([author, reader]);
    expect((await cardOf(status.id)).title).toBe("Worth the wait");
    const after = await get("/api/v1/timelines/home", reader.token);
    expect(after.body.find((s: any) => s.id === status.id)?.card?.title).toBe("Worth the wait");
    expect((await get("/api/v1/notifications", reader.token)).body).toEqual([]);
    // The post was streamed once, without its card; the late card is no stream event (Mastodon sends none).
    expect(payloadOf(await stream.next(forEvent("update", ["user"]))).card).toBeNull();
    await expect(stream.next(forEvent("status.update", ["user"]), 300)).rejects.toThrow(/no matching/);
    stream.ws.close();
    expect(pageRequests(site, "/slowish")).toBe(1);
  }, 20_000);

  it("keeps the card across an edit that keeps the link, and changes it with the link", async () => {
    const [author] = await users("lcedit");
    const site = cardSite("edit");
    const status = await post(author, { status: `${site.origin}/article` });
    await settle([author]);
    expect((await cardOf(status.id)).url).toBe(`${site.origin}/article`);
    const put = await call("PUT", `/api/v1/statuses/${status.id}`, author.token, { status: `now ${site.origin}/plain` });
    expect(put.status).toBe(200);
    await settle([author]);
    expect((await cardOf(status.id)).url).toBe(`${site.origin}/plain`);
    await call("PUT", `/api/v1/statuses/${status.id}`, author.token, { status: "no link at all" });
    await settle([author]);
    expect(await cardOf(status.id)).toBeNull();
    expect(pageRequests(site, "/article")).toBe(1);
  });
});
