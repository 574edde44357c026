import { afterAll, describe, expect, it } from "vitest";
import { FakePeer, installFakeNetwork, peerHost, uninstallFakeNetwork } from "./federation-peer";
import { api, bearer, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { newUser, runJobs } from "./status-helpers";

afterAll(() => uninstallFakeNetwork());

const html = (body: string) => () => new Response(`<!doctype html><html><head></head><body>${body}</body></html>`, { headers: { "content-type": "text/html; charset=utf-8" } });

describe("profile link verification (rel=me)", () => {
  it("verifies a field whose page links back with rel=me, and only that one", async () => {
    const me = await newUser("linker");
    const site = new FakePeer(peerHost("site"));
    site
      .route("/about", html(`<a rel="me noopener" href="https://pronghorn.test/@${me.username}">me</a>`))
      .route("/head", html(`<link rel="me" href="https://pronghorn.test/users/${me.username}">`))
      .route("/elsewhere", html(`<a rel="me" href="https://pronghorn.test/@someone_else">not me</a>`))
      .route("/plain", html(`<a href="https://pronghorn.test/@${me.username}">no rel</a>`));
    installFakeNetwork(site);
    const fields = [
      { name: "Site", value: `${site.origin}/about` },
      { name: "Head", value: `${site.origin}/head` },
      { name: "Other", value: `${site.origin}/elsewhere` },
      { name: "Plain", value: `${site.origin}/plain` },
    ];
    const res = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { fields_attributes: fields }, me.token));
    expect(res.status).toBe(200);
    await runJobs(me.id, 2);
    const account: any = await (await api(`/api/v1/accounts/${me.id}`, { headers: bearer(me.token) })).json();
    expectSchema(account, "Account");
    expect(account.fields.map((f: any) => f.verified_at !== null)).toEqual([true, true, false, false]);
    // An unchanged value keeps its mark; a changed one loses it.
    await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { fields_attributes: [fields[0], { name: "Head", value: `${site.origin}/plain` }] }, me.token));
    const after: any = await (await api("/api/v1/accounts/verify_credentials", { headers: bearer(me.token) })).json();
    expect(after.fields.map((f: any) => f.verified_at !== null)).toEqual([true, false]);
  });
});
