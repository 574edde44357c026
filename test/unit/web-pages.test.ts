import { describe, expect, it } from "vitest";
import { api, fetchWithEnv, jsonBody } from "./helpers";
import { publish, settle, users } from "./timelines-helpers";
import { expectSchema } from "./openapi";
import { readInstanceSettings, textToHtml } from "../../core/instance-settings";
import { serverHost } from "../../worker/api/public-pages";
import { browserErrorPage, wantsHtmlError } from "../../worker/http/browser-errors";
import { ApiError } from "../../lib/result";

/**
 * The public web face: HTML for browsers, JSON for API clients, AS2 for federation, and no
 * private content on any page.
 */
const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const AS2 = { accept: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"' };

async function page(path: string, headers: Record<string, string> = BROWSER): Promise<{ status: number; html: string; res: Response }> {
  const res = await api(path, { headers });
  return { status: res.status, html: await res.text(), res };
}

function expectHtmlPage(res: Response): void {
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
  expect(res.headers.get("content-security-policy")).not.toContain("script-src");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
}

describe("landing, about and documents", () => {
  it("landing page: title, join by mode, apps, the local timeline without private posts", async () => {
    const [author] = await users("landing");
    const open = await publish(author, { status: "landing <b>public</b> post" });
    const hidden = await publish(author, { status: "landing secret followers post", visibility: "private" });
    await settle([author], ["public"]);
    const { status, html, res } = await page("/");
    expect(status).toBe(200);
    expectHtmlPage(res);
    expect(html).toContain("<h1>Pronghorn</h1>");
    expect(html).toContain('href="/auth/sign_up"');
    expect(html).toContain('href="/auth/sign_in"');
    expect(html).toContain("Use it from an app");
    expect(html).toContain("pronghorn.test");
    expect(html).toContain(`/@${author.username}/${open.id}`);
    expect(html).not.toContain(hidden.id);
    expect(html).not.toContain("secret followers");
    expect(html).toContain('property="og:title"');
  });

  it("join section follows the registration mode", async () => {
    const approval = await (await fetchWithEnv({ REGISTRATION_MODE: "approval" }, "/", { headers: BROWSER })).text();
    expect(approval).toContain("Apply for an account");
    const closed = await (await fetchWithEnv({ REGISTRATION_MODE: "closed", REGISTRATION_MESSAGE: "Invite <only>" }, "/", { headers: BROWSER })).text();
    expect(closed).toContain("not accepting new accounts");
    expect(closed).toContain("Invite &lt;only&gt;");
    expect(closed).not.toContain('href="/auth/sign_up"');
  });

  it("about: rules, languages, contact, moderated servers; all escaped", async () => {
    const env = { INSTANCE_RULES: "Be <kind>.\nNo spam.", INSTANCE_CONTACT_EMAIL: "admin@example.test", INSTANCE_LANGUAGES: "en,de", INSTANCE_TITLE: "Herd <&>" };
    const res = await fetchWithEnv(env, "/about", { headers: BROWSER });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<li>Be &lt;kind&gt;.</li>");
    expect(html).toContain("German");
    expect(html).toContain("mailto:admin@example.test");
    expect(html).toContain("Moderated servers");
    expect(html).toContain("Herd &lt;&amp;&gt;");
    expect(html).not.toContain("<kind>");
  });

  it("privacy policy and terms: pages and Mastodon 4.4's API, configurable", async () => {
    for (const path of ["/privacy-policy", "/terms"]) {
      const { status, html } = await page(path);
      expect(status).toBe(200);
      expect(html).toContain("<h2>");
    }
    const pp = await (await api("/api/v1/instance/privacy_policy")).json<any>();
    expectSchema(pp, "PrivacyPolicy");
    const tos = await api("/api/v1/instance/terms_of_service");
    expect(tos.status).toBe(200);
    const terms = await tos.json<any>();
    expectSchema(terms, "TermsOfService");
    expect(terms).toMatchObject({ effective: true, succeeded_by: null });
    expect((await api(`/api/v1/instance/terms_of_service/${terms.effective_date}`)).status).toBe(200);
    const instance = await (await api("/api/v2/instance")).json<any>();
    expect(instance.configuration.urls).toMatchObject({
      about: "https://pronghorn.test/about",
      privacy_policy: "https://pronghorn.test/privacy-policy",
      terms_of_service: "https://pronghorn.test/terms",
    });
    expect((await api("/api/v1/instance/terms_of_service/2001-01-01")).status).toBe(404);

    const env = { INSTANCE_TERMS: "Be <nice>.\n\nSecond\nline.", INSTANCE_TEXTS_UPDATED_AT: "2026-05-01" };
    const custom = await (await fetchWithEnv(env, "/api/v1/instance/terms_of_service")).json<any>();
    expect(custom).toEqual({ effective_date: "2026-05-01", effective: true, content: "<p>Be &lt;nice&gt;.</p><p>Second<br>line.</p>", succeeded_by: null });
    const termsPage = await (await fetchWithEnv(env, "/terms", { headers: BROWSER })).text();
    expect(termsPage).toContain("<p>Be &lt;nice&gt;.</p>");
  });

  it("the sign-up form links to the rules, terms and privacy policy it asks agreement to", async () => {
    const { html } = await page("/auth/sign_up");
    for (const href of ["/about#rules", "/terms", "/privacy-policy"]) expect(html).toContain(`href="${href}"`);
  });

  it("settings: texts from plain text, defaults otherwise", () => {
    expect(textToHtml("  ")).toBeNull();
    expect(readInstanceSettings({}).termsHtml).toContain("<h2>");
    expect(readInstanceSettings({ INSTANCE_TEXTS_UPDATED_AT: "not a date" }).textsUpdatedAt).toMatch(/^\d{4}-/);
  });
});

describe("timelines and hashtags", () => {
  it("local and federated timelines show public posts only, paged", async () => {
    const [author] = await users("webtl");
    const open = await publish(author, { status: "webtl public #webtltag" });
    const unlisted = await publish(author, { status: "webtl unlisted", visibility: "unlisted" });
    const direct = await publish(author, { status: "webtl direct", visibility: "direct" });
    await settle([author], ["public", "webtltag"]);
    for (const path of ["/public", "/public/local", "/tags/webtltag", "/tags/WebTLTag"]) {
      const { status, html, res } = await page(path);
      expect(status, path).toBe(200);
      expectHtmlPage(res);
      expect(html, path).toContain(open.id);
      expect(html, path).not.toContain(unlisted.id);
      expect(html, path).not.toContain(direct.id);
    }
    const tagAs2 = await api("/tags/webtltag", { headers: AS2 });
    expect(tagAs2.headers.get("content-type")).toContain("application/activity+json");
    expect(tagAs2.headers.get("vary")).toContain("Accept");
    const collection = await tagAs2.json<any>();
    expect(collection).toMatchObject({ type: "OrderedCollection", id: "https://pronghorn.test/tags/webtltag" });
    expect(collection.orderedItems).toContain(`https://pronghorn.test/users/${author.username}/statuses/${open.id}`);
    expect(collection.orderedItems.join(" ")).not.toContain(unlisted.id);
    expect((await page("/tags/webtltag")).res.headers.get("vary")).toContain("Accept");
    const older = await page(`/public/local?max_id=${open.id}`);
    expect(older.html).not.toContain(`/${open.id}"`);
    expect(older.html).toContain("Newest posts");
    expect((await page("/tags/%E0%A4%A")).status).toBe(404);
    const rss = await api("/tags/webtltag.rss");
    expect(rss.headers.get("content-type")).toContain("application/rss+xml");
    const xml = await rss.text();
    expect(xml).toContain("<rss version=\"2.0\"");
    expect(xml).toContain(`/@${author.username}/${open.id}</guid>`);
  });
});

describe("profiles and statuses", () => {
  it("profile: avatar, header, fields with rel=me, pinned, counts, feeds, social tags", async () => {
    const [author] = await users("webprof");
    const fields = { fields_attributes: { "0": { name: "Site <x>", value: "https://example.com/me" } }, note: "Hi <there>" };
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", fields, author.token))).status).toBe(200);
    const pinned = await publish(author, { status: "webprof pinned" });
    expect((await api(`/api/v1/statuses/${pinned.id}/pin`, jsonBody("POST", {}, author.token))).status).toBe(200);
    const secret = await publish(author, { status: "webprof secret", visibility: "private" });
    await settle([author]);
    const { status, html, res } = await page(`/@${author.username}`);
    expect(status).toBe(200);
    expectHtmlPage(res);
    expect(res.headers.get("vary")).toContain("Accept");
    expect(html).toContain('class="avatar"');
    expect(html).toContain("/avatars/original/missing.png");
    expect(html).toContain("/headers/original/missing.png");
    expect(html).toContain("Site &lt;x&gt;");
    expect(html).toContain('rel="me nofollow noopener noreferrer"');
    expect(html).not.toContain("verified</span>");
    expect(html).toContain("Pinned");
    expect(html).toContain(pinned.id);
    expect(html).not.toContain(secret.id);
    expect(html).toContain('property="og:image"');
    expect(html).toContain('name="twitter:card"');
    expect(html).toContain(`type="application/activity+json" href="https://pronghorn.test/users/${author.username}"`);
    expect(html).toContain(`type="application/rss+xml"`);
    expect(html).toContain('action="/remote_interaction"');

    const media = await page(`/@${author.username}/media`);
    expect(media.status).toBe(200);
    expect(media.html).toContain("<h2>Media</h2>");
    expect(media.html).not.toContain(pinned.id); // no attachment

    const as2 = await api(`/@${author.username}`, { headers: AS2 });
    expect(as2.headers.get("content-type")).toContain("application/activity+json");
    expect((await as2.json<any>()).type).toBe("Person");

    const feed = await api(`/@${author.username}.rss`, { headers: BROWSER });
    expect(feed.status).toBe(200);
    expect(feed.headers.get("content-type")).toContain("application/rss+xml");
    const xml = await feed.text();
    expect(xml).toContain(pinned.id);
    expect(xml).not.toContain(secret.id);
  });

  it("status page: thread replies, media-free OG tags, AS2 on the same URL", async () => {
    const [author, replier] = await users("webst", "webre");
    const root = await publish(author, { status: "webst root <script>alert(1)</script>" });
    const reply = await publish(replier, { status: `@${author.username} a reply`, in_reply_to_id: root.id }, [author]);
    const hiddenReply = await publish(replier, { status: `@${author.username} hidden`, in_reply_to_id: root.id, visibility: "direct" }, [author]);
    await settle([author, replier]);
    const { status, html, res } = await page(`/@${author.username}/${root.id}`);
    expect(status).toBe(200);
    expectHtmlPage(res);
    expect(html).not.toContain("<script>");
    expect(html).toContain("Replies");
    expect(html).toContain(reply.id);
    expect(html).not.toContain(hiddenReply.id);
    expect(html).toContain('property="og:type" content="article"');
    expect(html).toContain("Reply, boost or favourite from your server");
    const as2 = await api(`/@${author.username}/${root.id}`, { headers: AS2 });
    expect((await as2.json<any>()).type).toBe("Note");
  });

  it("remote interaction sends the visitor to their own server", async () => {
    const uri = "https://pronghorn.test/users/someone";
    const res = await api(`/remote_interaction?uri=${encodeURIComponent(uri)}&server=${encodeURIComponent("https://Mastodon.Example/")}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`https://mastodon.example/authorize_interaction?uri=${encodeURIComponent(uri)}`);
    expect((await api(`/remote_interaction?uri=${encodeURIComponent("https://evil.example/x")}&server=a.example`, { redirect: "manual" })).status).toBe(400);
    expect(serverHost("@me@social.example")).toBe("social.example");
    expect(serverHost("javascript:alert(1)")).toBeNull();
  });
});

describe("site files and errors", () => {
  it("robots.txt disallows noindex accounts; favicon and manifest", async () => {
    const [hidden, shown] = await users("webnoidx", "webidx");
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { indexable: false }, hidden.token))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600)); // the directory sync is a job due 500 ms later
    await settle([hidden, shown]);
    const robots = await (await api("/robots.txt")).text();
    expect(robots).toContain("User-agent: *");
    expect(robots).toContain(`Disallow: /@${hidden.username}\n`);
    expect(robots).not.toContain(`/@${shown.username}\n`);
    const noindex = await page(`/@${hidden.username}`);
    expect(noindex.html).toContain('<meta name="robots" content="noindex, noarchive">');
    const favicon = await api("/favicon.ico", { redirect: "follow" });
    expect(favicon.headers.get("content-type")).toBe("image/png");
    const manifest = await api("/manifest.json");
    expect(manifest.headers.get("content-type")).toBe("application/manifest+json");
    expect((await manifest.json<any>()).start_url).toBe("/");
  });

  it("404: HTML for browsers, JSON for API clients and federation", async () => {
    const browser = await page("/no/such/page");
    expect(browser.status).toBe(404);
    expectHtmlPage(browser.res);
    expect(browser.html).toContain("Not found");
    const apiClient = await api("/no/such/page", { headers: { accept: "application/json" } });
    expect(apiClient.status).toBe(404);
    expect(await apiClient.json()).toEqual({ error: "Record not found" });
    const apiPath = await api("/api/v1/nothing", { headers: BROWSER });
    expect(await apiPath.json()).toEqual({ error: "Record not found" });
    expect((await page("/@nobody_here_at_all")).status).toBe(404);
    const fed = await api("/users/nobody_here_at_all", { headers: AS2 });
    expect(fed.status).toBe(404);
    expect(fed.headers.get("content-type")).toContain("application/json");
  });

  it("410 for a gone account is an HTML page for browsers; other errors stay JSON", async () => {
    const gone = browserErrorPage(new ApiError(410, "Gone"), "Herd <1>")!;
    expect(gone.status).toBe(410);
    const html = await gone.text();
    expect(html).toContain("suspended or deleted");
    expect(html).toContain("Herd &lt;1&gt;");
    expect(browserErrorPage(new ApiError(401, "x"), "Herd")).toBeNull();
    const req = (accept: string, method = "GET") => new Request("https://pronghorn.test/x", { method, headers: { accept } });
    expect(wantsHtmlError(req(BROWSER.accept), "/@someone")).toBe(true);
    expect(wantsHtmlError(req(BROWSER.accept), "/api/v1/accounts/1")).toBe(false);
    expect(wantsHtmlError(req(AS2.accept), "/@someone")).toBe(false);
    expect(wantsHtmlError(req(BROWSER.accept, "POST"), "/@someone")).toBe(false);
  });
});
