import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { mastodon } from "masto";
import { eventually as eventuallyWithin, signUpWithMasto } from "./masto-helpers";
import { freePort, startServer, type LocalServer } from "./server";

/**
 * Preview cards, trending links, the link timeline and oEmbed through a real client library
 * (masto) against `npm start`, with a real web page served on loopback
 * (ALLOW_PRIVATE_ADDRESSES=true, as for the federation tests).
 */



const eventually = <T>(check: () => Promise<T>, ms = 10_000) => eventuallyWithin(check, ms);

describe("link previews with masto", () => {
  let server: LocalServer;
  let site: Server;
  let siteOrigin: string;
  let pageHits = 0;
  let alice: mastodon.rest.Client;

  const signUp = async (username: string) => (await signUpWithMasto(server.origin, username, "cards e2e")).client;

  beforeAll(async () => {
    const port = await freePort();
    siteOrigin = `http://127.0.0.1:${port}`;
    site = createServer((req, res) => {
      if (req.url !== "/article") return void res.writeHead(404).end();
      pageHits++;
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="en"><head><title>t</title>
<meta property="og:title" content="Pronghorn field guide"><meta property="og:description" content="Fast, not an antelope">
<meta property="og:site_name" content="Prairie"><meta property="og:image" content="${siteOrigin}/cover.jpg"></head><body></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(port, "127.0.0.1", resolve));
    server = await startServer({ ALLOW_PRIVATE_ADDRESSES: "true" });
    alice = await signUp(`alice_${Date.now().toString(36).slice(-5)}`);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await new Promise((r) => site?.close(r));
  });

  it("fills the card, trends the link, lists its statuses and embeds the status", async () => {
    const url = `${siteOrigin}/article`;
    const first = await alice.v1.statuses.create({ status: `A good read: ${url}` });
    expect(first.card).toBeNull();
    const card = await eventually(async () => {
      const s = await alice.v1.statuses.$select(first.id).fetch();
      if (!s.card) throw new Error("no card yet");
      return s.card;
    });
    expect(card).toMatchObject({ url, title: "Pronghorn field guide", description: "Fast, not an antelope", providerName: "Prairie", type: "link", image: `${siteOrigin}/cover.jpg` });

    const second = await alice.v1.statuses.create({ status: `Again ${url}` });
    await eventually(async () => {
      if (!(await alice.v1.statuses.$select(second.id).fetch()).card) throw new Error("no card yet");
    });
    expect(pageHits).toBe(1);

    const trends = await alice.v1.trends.links.list();
    const trend = trends.find((l) => l.url === url);
    expect(trend?.history[0]).toMatchObject({ uses: "2", accounts: "1" });
    const timeline = await alice.v1.timelines.link.list({ url });
    expect(timeline.map((s) => s.id)).toEqual([second.id, first.id]);

    const instance = (await (await fetch(`${server.origin}/api/v2/instance`)).json()) as any;
    expect(instance.configuration.timelines_access.trending_link_feeds).toEqual({ local: "public", remote: "public" });

    const oembed = await fetch(`${server.origin}/api/oembed?url=${encodeURIComponent(first.url!)}`);
    expect(oembed.status).toBe(200);
    const body = (await oembed.json()) as any;
    expect(body).toMatchObject({ type: "rich", version: "1.0", width: 400 });
    expect(body.html).toContain(`src="${first.url}/embed"`);
    const embed = await fetch(`${first.url}/embed`);
    expect(embed.status).toBe(200);
    expect(embed.headers.get("x-frame-options")).toBeNull();
  });
});
