import { FakePeer, installFakeNetwork, peerHost } from "./federation-peer";

/**
 * A fake web site for preview-card tests, served through the fake network: pages with
 * OpenGraph, oEmbed discovery, oversize and slow answers.
 */
export const htmlPage = (head: string, body = "<p>text</p>", lang = "en") => () =>
  new Response(`<!doctype html><html lang="${lang}"><head>${head}</head><body>${body}</body></html>`, {
    headers: { "content-type": "text/html; charset=utf-8" },
  });

export function cardSite(label: string, creator = ""): FakePeer {
  const site = new FakePeer(peerHost(label));
  const o = site.origin;
  site
    .route(
      "/article",
      htmlPage(
        `<title>Fallback title</title>
<meta property="og:title" content="Pronghorns &amp; antelopes">
<meta property="og:description" content="Why they are not antelopes">
<meta property="og:image" content="/img/cover.jpg">
<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
<meta property="og:site_name" content="Field Notes">
<meta property="article:published_time" content="2024-05-01T10:00:00Z">
<meta name="author" content="Ada Field">
${creator ? `<meta name="fediverse:creator" content="${creator}">` : ""}`,
      ),
    )
    .route("/plain", htmlPage("<title>Just a title</title>", "<p>body</p>", "de"))
    .route("/empty", htmlPage("", "<p>no title anywhere</p>"))
    .route(
      "/video",
      htmlPage(`<title>A video</title><link rel="alternate" type="application/json+oembed" href="${o}/oembed?x=1&amp;y=2">`),
    )
    .route("/oembed", () =>
      Response.json({
        type: "video",
        version: "1.0",
        title: "Running pronghorns",
        author_name: "Ada",
        author_url: "/ada",
        provider_name: "Tube",
        provider_url: "/",
        width: 640,
        height: 360,
        thumbnail_url: "/thumb.jpg",
        html: `<iframe src="https://player.example.com/embed/1?a=1&b=2" width="640" height="360" onload="steal()"></iframe><script>steal()</script>`,
      }),
    )
    .route("/rich", htmlPage(`<title>Rich page</title><link rel="alternate" type="application/json+oembed" href="${o}/rich-oembed">`))
    .route("/rich-oembed", () => Response.json({ type: "rich", version: "1.0", title: "Scripted", html: "<script src='https://evil.example/x.js'></script>" }))
    .route("/big", () => new Response(`<html><head><title>Big</title></head><body>${"x".repeat(1100 * 1024)}</body></html>`, { headers: { "content-type": "text/html" } }))
    .route("/slow", () => new Promise<Response>((resolve) => setTimeout(() => resolve(htmlPage("<title>Too late</title>")()), 6_000)))
    .route("/slowish", () => new Promise<Response>((resolve) => setTimeout(() => resolve(htmlPage("<title>Worth the wait</title>")()), 3_000)))
    .route("/latin1", () => new Response(new Uint8Array([...new TextEncoder().encode("<html><head><title>Caf"), 0xe9, ...new TextEncoder().encode("</title></head></html>")]), { headers: { "content-type": "text/html; charset=iso-8859-1" } }))
    .route("/data.json", () => Response.json({ title: "not html" }));
  installFakeNetwork(site);
  return site;
}
