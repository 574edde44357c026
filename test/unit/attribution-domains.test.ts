import { describe, expect, it } from "vitest";
import { api, bearer, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, newUser } from "./status-helpers";

describe("attribution domains (update_credentials, API level 3)", () => {
  it("stores the list from JSON or form fields, shows it in source, and serves it on the actor", async () => {
    const me = await newUser("author");
    let res = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { attribution_domains: ["Blog.Example.com", "news.example.org", "blog.example.com"] }, me.token));
    let account: any = await res.json();
    expect(res.status, JSON.stringify(account)).toBe(200);
    expectSchema(account, "CredentialAccount");
    expect(account.source.attribution_domains).toEqual(["blog.example.com", "news.example.org"]);
    const form = new URLSearchParams([["attribution_domains[]", "*.example.net"]]);
    res = await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: { ...bearer(me.token), "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
    account = await res.json();
    expect(account.source.attribution_domains).toEqual(["*.example.net"]);
    const verified: any = await (await api("/api/v1/accounts/verify_credentials", { headers: bearer(me.token) })).json();
    expect(verified.source.attribution_domains).toEqual(["*.example.net"]);
    const actor: any = await (await api(`/users/${me.username}`, { headers: { accept: "application/activity+json" } })).json();
    expect(actor.attributionDomains).toEqual(["*.example.net"]);
    const instance: any = await (await api("/api/v2/instance")).json();
    expect(instance.api_versions.mastodon).toBeGreaterThanOrEqual(4);
  });

  it("refuses what is not a domain name, and more than ten", async () => {
    const me = await newUser("author");
    for (const bad of [["https://example.com"], ["not a domain"], ["example"], Array.from({ length: 11 }, (_, i) => `d${i}.example.com`)]) {
      const res = await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { attribution_domains: bad }, me.token));
      expectError({ status: res.status, body: await res.json() }, 422, /Attribution domains/i);
    }
  });
});
