import { SELF, env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseWebfingerResource } from "../../worker/api/well-known";
import { clearInstanceCaches } from "../../worker/instance-summary";
import { PRONGHORN_VERSION } from "../../core/instance-settings";
import { must } from "./helpers";

const BASE = "https://pronghorn.test";
const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
const webfinger = (resource: string | null, init?: RequestInit) =>
  SELF.fetch(`${BASE}/.well-known/webfinger${resource === null ? "" : `?resource=${encodeURIComponent(resource)}`}`, init);

beforeAll(async () => {
  must("register", await directory().register({ username: "Alice_WF", email: "alice-wf@example.test", password: "correct horse battery", role: "user", approved: true }));
  must("register", await directory().register({ username: "pending_wf", email: "pending-wf@example.test", password: "correct horse battery", role: "user", approved: false }));
});

beforeEach(() => clearInstanceCaches());

describe("parseWebfingerResource", () => {
  const domain = "example.test";
  it("reads acct: handles and the actor/profile URLs", () => {
    expect(parseWebfingerResource("acct:alice@example.test", domain)).toEqual({ kind: "local", username: "alice" });
    expect(parseWebfingerResource("acct:@alice@Example.TEST", domain)).toEqual({ kind: "local", username: "alice" });
    expect(parseWebfingerResource("alice@example.test", domain)).toEqual({ kind: "local", username: "alice" });
    expect(parseWebfingerResource("https://example.test/users/alice", domain)).toEqual({ kind: "local", username: "alice" });
    expect(parseWebfingerResource("https://example.test/users/alice/", domain)).toEqual({ kind: "local", username: "alice" });
    expect(parseWebfingerResource("https://example.test/@alice", domain)).toEqual({ kind: "local", username: "alice" });
  });

  it("tells other servers' names from malformed ones", () => {
    expect(parseWebfingerResource("acct:alice@other.test", domain).kind).toBe("elsewhere");
    expect(parseWebfingerResource("https://other.test/users/alice", domain).kind).toBe("elsewhere");
    expect(parseWebfingerResource("https://example.test/notes/1", domain).kind).toBe("elsewhere");
    expect(parseWebfingerResource("acct:al.ice@example.test", domain).kind).toBe("elsewhere");
    expect(parseWebfingerResource("acct:alice", domain).kind).toBe("malformed");
    expect(parseWebfingerResource("acct:@example.test", domain).kind).toBe("malformed");
    expect(parseWebfingerResource("acct:alice@", domain).kind).toBe("malformed");
    expect(parseWebfingerResource("https://exa mple", domain).kind).toBe("malformed");
  });
});

describe("GET /.well-known/webfinger", () => {
  it("describes a local account", async () => {
    const res = await webfinger("acct:alice_wf@pronghorn.test");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/jrd\+json/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body: any = await res.json();
    expect(body.subject).toBe("acct:Alice_WF@pronghorn.test");
    expect(body.aliases).toEqual(["https://pronghorn.test/@Alice_WF", "https://pronghorn.test/users/Alice_WF"]);
    expect(body.links).toContainEqual({ rel: "self", type: "application/activity+json", href: "https://pronghorn.test/users/Alice_WF" });
    expect(body.links).toContainEqual({ rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: "https://pronghorn.test/@Alice_WF" });
    expect(body.links).toContainEqual({
      rel: "http://ostatus.org/schema/1.0/subscribe",
      template: "https://pronghorn.test/authorize_interaction?uri={uri}",
    });
  });

  it("answers from the isolate cache for a repeated lookup", async () => {
    const first: any = await (await webfinger("acct:alice_wf@pronghorn.test")).json();
    const second: any = await (await webfinger("acct:ALICE_WF@pronghorn.test")).json();
    expect(second).toEqual(first);
  });

  it("accepts the actor URI and the profile URL, and a trailing slash on the path", async () => {
    for (const resource of ["https://pronghorn.test/users/Alice_WF", "https://pronghorn.test/@alice_wf"]) {
      const res = await webfinger(resource);
      expect(res.status, resource).toBe(200);
      expect(((await res.json()) as any).subject).toBe("acct:Alice_WF@pronghorn.test");
    }
    const slash = await SELF.fetch(`${BASE}/.well-known/webfinger/?resource=acct:alice_wf@pronghorn.test`);
    expect(slash.status).toBe(200);
  });

  it("404s unknown users, pending accounts and other domains", async () => {
    for (const resource of ["acct:nobody@pronghorn.test", "acct:pending_wf@pronghorn.test", "acct:alice_wf@elsewhere.test", "https://elsewhere.test/users/alice_wf"]) {
      const res = await webfinger(resource);
      expect(res.status, resource).toBe(404);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    }
  });

  it("finds an account registered after a failed lookup (misses are not cached)", async () => {
    expect((await webfinger("acct:late_wf@pronghorn.test")).status).toBe(404);
    const late = await directory().register({ username: "late_wf", email: "late-wf@example.test", password: "correct horse battery", role: "user", approved: true });
    expect(late.ok).toBe(true);
    expect((await webfinger("acct:late_wf@pronghorn.test")).status).toBe(200);
  });

  it("400s a missing or malformed resource", async () => {
    for (const resource of [null, "", "acct:alice_wf", "nonsense"]) {
      const res = await webfinger(resource);
      expect(res.status, String(resource)).toBe(400);
      expect(((await res.json()) as any).error).toMatch(/resource/);
    }
  });

  it("answers CORS preflights", async () => {
    const res = await SELF.fetch(`${BASE}/.well-known/webfinger`, { method: "OPTIONS", headers: { "access-control-request-method": "GET" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("GET /.well-known/host-meta", () => {
  it("points back at this host's webfinger (XRD)", async () => {
    const res = await SELF.fetch("http://127.0.0.1:8787/.well-known/host-meta");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/xrd\+xml/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const xml = await res.text();
    expect(xml).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">');
    expect(xml).toContain('<Link rel="lrdd" template="http://127.0.0.1:8787/.well-known/webfinger?resource={uri}"/>');
  });

  it("has a JSON form", async () => {
    const expected = { links: [{ rel: "lrdd", template: `${BASE}/.well-known/webfinger?resource={uri}` }] };
    for (const res of [
      await SELF.fetch(`${BASE}/.well-known/host-meta?format=json`),
      await SELF.fetch(`${BASE}/.well-known/host-meta.json`),
      await SELF.fetch(`${BASE}/.well-known/host-meta`, { headers: { accept: "application/json" } }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/json/);
      expect(await res.json()).toEqual(expected);
    }
  });
});

describe("NodeInfo", () => {
  it("/.well-known/nodeinfo links 2.0 and 2.1", async () => {
    const res = await SELF.fetch(`${BASE}/.well-known/nodeinfo/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({
      links: [
        { rel: "http://nodeinfo.diaspora.software/ns/schema/2.0", href: `${BASE}/nodeinfo/2.0` },
        { rel: "http://nodeinfo.diaspora.software/ns/schema/2.1", href: `${BASE}/nodeinfo/2.1` },
      ],
    });
  });

  for (const version of ["2.0", "2.1"]) {
    it(`/nodeinfo/${version} describes the server`, async () => {
      const res = await SELF.fetch(`${BASE}/nodeinfo/${version}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(`application/json; profile="http://nodeinfo.diaspora.software/ns/schema/${version}#"`);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      const body: any = await res.json();
      expect(body.version).toBe(version);
      expect(body.software.name).toMatch(/^[a-z0-9-]+$/);
      expect(body.software).toMatchObject({ name: "pronghorn", version: PRONGHORN_VERSION });
      if (version === "2.1") expect(body.software.repository).toMatch(/^https:\/\//);
      expect(body.protocols).toEqual(["activitypub"]);
      expect(body.services).toEqual({ inbound: [], outbound: [] });
      expect(body.usage.users).toEqual({ total: expect.any(Number), activeMonth: expect.any(Number), activeHalfyear: expect.any(Number) });
      expect(body.usage.users.total).toBeGreaterThanOrEqual(2);
      expect(body.usage.localPosts).toEqual(expect.any(Number));
      expect(body.openRegistrations).toBe(true);
      // megalodon picks the Mastodon API for unknown software by metadata.upstream.name.
      expect(body.metadata).toMatchObject({ nodeName: "Pronghorn", upstream: { name: "mastodon" } });
    });
  }
});
