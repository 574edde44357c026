import { describe, expect, it } from "vitest";
import { api, bearer, DOMAIN, issueToken } from "./helpers";
import { follow, post, user } from "./graph-helpers";
import { post as postStatus } from "./status-helpers";
import { csvOf, signedIn } from "./portability-helpers";

describe("CSV exports", () => {
  it("writes Mastodon's headers, byte for byte, for an account with nothing yet", async () => {
    const me = await user("xempty");
    expect(await csvOf(me, "following_accounts.csv")).toBe("Account address,Show boosts,Notify on new posts,Languages\n");
    expect(await csvOf(me, "muted_accounts.csv")).toBe("Account address,Hide notifications\n");
    expect(await csvOf(me, "followers.csv")).toBe("Account address\n");
    // Mastodon's blocks, domain blocks, lists and bookmarks files have no header line.
    for (const file of ["blocked_accounts.csv", "blocked_domains.csv", "lists.csv", "bookmarks.csv"]) expect(await csvOf(me, file)).toBe("");
  });

  it("lists follows, mutes, blocks, lists, followers and bookmarks as Mastodon writes them", async () => {
    const me = await user("xme");
    const [a, b, c, d] = await Promise.all([user("xa"), user("xb"), user("xc"), user("xd")]);
    await follow(me, a, { notify: true, languages: ["en", "de"] });
    await follow(me, b, { reblogs: false });
    await follow(c, me);
    expect((await post(`/api/v1/accounts/${c.id}/mute`, me.token, { notifications: false })).status).toBe(200);
    expect((await post(`/api/v1/accounts/${d.id}/mute`, me.token)).status).toBe(200);
    expect((await post(`/api/v1/accounts/${d.id}/block`, me.token)).status).toBe(200);
    const list: any = await (await post("/api/v1/lists", me.token, { title: "Friends, close" })).json();
    expect((await post(`/api/v1/lists/${list.id}/accounts`, me.token, { account_ids: [a.id, b.id] })).status).toBe(200);
    const status = await postStatus(a, { status: "bookmark me" });
    expect((await post(`/api/v1/statuses/${status.id}/bookmark`, me.token)).status).toBe(200);

    // Newest follow first; languages joined with ", " and quoted as Ruby's CSV quotes them.
    expect(await csvOf(me, "following_accounts.csv")).toBe(
      `Account address,Show boosts,Notify on new posts,Languages\n${b.username}@${DOMAIN},false,false,\n${a.username}@${DOMAIN},true,true,"en, de"\n`,
    );
    expect(await csvOf(me, "followers.csv")).toBe(`Account address\n${c.username}@${DOMAIN}\n`);
    // d was muted (notifications hidden by default), then blocked, which keeps the mute.
    expect(await csvOf(me, "muted_accounts.csv")).toBe(`Account address,Hide notifications\n${d.username}@${DOMAIN},true\n${c.username}@${DOMAIN},false\n`);
    expect(await csvOf(me, "blocked_accounts.csv")).toBe(`${d.username}@${DOMAIN}\n`);
    expect(await csvOf(me, "lists.csv")).toBe(`"Friends, close",${a.username}@${DOMAIN}\n"Friends, close",${b.username}@${DOMAIN}\n`);
    expect(await csvOf(me, "bookmarks.csv")).toBe(`${status.uri}\n`);
  });

  it("serves Mastodon's paths to the signed-in browser, with its file names", async () => {
    const me = await user("xweb");
    const browser = await signedIn(me);
    const res = await browser.get("/settings/exports/follows.csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="following_accounts.csv"');
    expect(await res.text()).toBe("Account address,Show boosts,Notify on new posts,Languages\n");
    const mutes = await browser.get("/settings/exports/mutes.csv");
    expect(mutes.headers.get("content-disposition")).toBe('attachment; filename="muted_accounts.csv"');
    const page = await browser.get("/settings/export");
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const path of ["follows", "followers", "lists", "mutes", "blocks", "domain_blocks", "bookmarks"]) expect(html).toContain(`/settings/exports/${path}.csv`);
    // Without a session: to the sign-in page.
    const anonymous = await api("/settings/exports/follows.csv", { redirect: "manual" });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/auth/sign_in");
    expect((await api("/settings/export", { redirect: "manual" })).status).toBe(302);
  });

  it("checks the token and its scope, and refuses unknown files", async () => {
    const me = await user("xscope");
    const listsOnly = await issueToken(me.id, ["read:lists"]);
    expect((await api("/api/v1/pronghorn/exports/lists.csv", { headers: bearer(listsOnly) })).status).toBe(200);
    const refused = await api("/api/v1/pronghorn/exports/following_accounts.csv", { headers: bearer(listsOnly) });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "This action is outside the authorized scopes" });
    expect((await api("/api/v1/pronghorn/exports/following_accounts.csv")).status).toBe(401);
    expect((await api("/api/v1/pronghorn/exports/following_accounts.csv", { headers: bearer("u1.nope") })).status).toBe(401);
    const unknown = await api("/api/v1/pronghorn/exports/passwords.csv", { headers: bearer(me.token) });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Record not found" });
    // Mastodon's paths take a bearer token too, for scripts.
    expect((await api("/settings/exports/lists.csv", { headers: bearer(listsOnly) })).status).toBe(200);
  });
});
