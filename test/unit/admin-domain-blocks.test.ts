import { env, runInDurableObject, SELF } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { signRequest as fedifySign } from "@fedify/fedify/sig";
import { api, bearer, fetchWithEnv, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { uninstallFakeNetwork, type PeerActor } from "./federation-peer";
import { activityOf, createOf, deliver, followRemote, getJson, noteOf, processed, remoteId, remoteServer } from "./federation-handlers-helpers";
import { forgetDomainPolicy, policyFor } from "../../core/domain-policy";
import { obfuscateDomain } from "../../core/serializers/admin-blocks";
import { resolveHandle } from "../../worker/federation/resolve";
import { enqueueDelivery } from "../../objects/federation/delivery-object";
import { resolveRemoteActor } from "../../objects/federation/remote-actors";
import { MIGRATIONS, type DirectoryObject } from "../../objects/directory/directory-object";
import { migrate } from "../../objects/migrations";
import { allDomainBlocks, domainModerationSchema } from "../../objects/directory/domain-moderation";

/** The admin domain blocks and allows API (worker/api/admin-domain-blocks.ts) and its enforcement. */

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];
const O = { origin: "https://pronghorn.test", domain: "pronghorn.test" };

function staff(role: "moderator" | "admin" | "owner" = "admin", scopes = ADMIN_SCOPES): Promise<TestUser> {
  return registerUser(uniqueName(role), { role, scopes });
}

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; link: string | null }> {
  const res = body === undefined ? await api(path, { method, headers: bearer(token) }) : await api(path, jsonBody(method, body, token));
  return { status: res.status, body: await res.json(), link: res.headers.get("link") };
}

const domain = (label: string) => `${label}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}.example`;

afterAll(() => {
  uninstallFakeNetwork();
  forgetDomainPolicy();
});

describe("scopes and roles", () => {
  it("needs an admin scope and an admin or owner role (manage_federation)", async () => {
    const plain = await registerUser(uniqueName("plain"), { scopes: ["read", "write"] });
    expect((await call("GET", "/api/v1/admin/domain_blocks", plain.token)).status).toBe(403);
    const user = await registerUser(uniqueName("user"), { scopes: ADMIN_SCOPES });
    expect((await call("GET", "/api/v1/admin/domain_blocks", user.token)).status).toBe(403);
    const moderator = await staff("moderator");
    const denied = await call("GET", "/api/v1/admin/domain_blocks", moderator.token);
    expect(denied).toMatchObject({ status: 403, body: { error: "This action is not allowed" } });
    expect((await call("GET", "/api/v1/admin/domain_allows", moderator.token)).status).toBe(403);
    expect((await api("/api/v1/admin/domain_blocks")).status).toBe(401);
    const owner = await staff("owner");
    expect((await call("GET", "/api/v1/admin/domain_blocks", owner.token)).status).toBe(200);
  });

  it("the granular read scope reads but does not write", async () => {
    const admin = await registerUser(uniqueName("reader"), { role: "admin", scopes: ["admin:read:domain_blocks"] });
    expect((await call("GET", "/api/v1/admin/domain_blocks", admin.token)).status).toBe(200);
    expect((await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: domain("x") })).status).toBe(403);
    expect((await call("GET", "/api/v1/admin/domain_allows", admin.token)).status).toBe(403);
  });
});

describe("domain blocks", () => {
  it("creates, shows, lists, updates and deletes with Mastodon's entity", async () => {
    const admin = await staff();
    const d = domain("Spam");
    const created = await call("POST", "/api/v1/admin/domain_blocks", admin.token, {
      domain: ` ${d.toUpperCase()}/ `,
      severity: "suspend",
      reject_media: "true",
      private_comment: "for us",
      public_comment: "spam",
      obfuscate: true,
    });
    expect(created.status).toBe(200);
    expectSchema(created.body, "AdminDomainBlock");
    expect(created.body).toMatchObject({
      domain: d.toLowerCase(),
      severity: "suspend",
      reject_media: true,
      reject_reports: false,
      private_comment: "for us",
      public_comment: "spam",
      obfuscate: true,
    });
    expect(created.body.digest).toMatch(/^[0-9a-f]{64}$/);
    const id = created.body.id;
    expect((await call("GET", `/api/v1/admin/domain_blocks/${id}`, admin.token)).body).toEqual(created.body);
    const list = await call("GET", "/api/v1/admin/domain_blocks?limit=1", admin.token);
    expect(list.body).toHaveLength(1);
    expect(list.link).toContain("max_id=");
    for (const b of list.body) expectSchema(b, "AdminDomainBlock");

    const updated = await call("PUT", `/api/v1/admin/domain_blocks/${id}`, admin.token, { severity: "silence", reject_reports: true, private_comment: "" });
    expect(updated.body).toMatchObject({ id, domain: d.toLowerCase(), severity: "silence", reject_media: true, reject_reports: true, private_comment: null });

    expect((await call("DELETE", `/api/v1/admin/domain_blocks/${id}`, admin.token)).body).toEqual({});
    expect((await call("GET", `/api/v1/admin/domain_blocks/${id}`, admin.token)).status).toBe(404);
    expect((await call("DELETE", `/api/v1/admin/domain_blocks/${id}`, admin.token)).status).toBe(404);
    expect((await call("GET", "/api/v1/admin/domain_blocks/not-an-id", admin.token)).status).toBe(404);
  });

  it("defaults to silence; 422 for a duplicate (with the existing block) or a weaker subdomain block", async () => {
    const admin = await staff();
    const d = domain("dup");
    const first = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: d });
    expect(first.body.severity).toBe("silence");
    const again = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: d, severity: "noop" });
    expect(again.status).toBe(422);
    expect(again.body.error).toMatch(/already/);
    expect(again.body.existing_domain_block).toMatchObject({ id: first.body.id, domain: d });
    const weaker = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: `sub.${d}`, severity: "noop" });
    expect(weaker.status).toBe(422);
    const stricter = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: `sub.${d}`, severity: "suspend" });
    expect(stricter.status).toBe(200);
  });

  it("refuses bad input with Mastodon-shaped 422s and writes nothing", async () => {
    const admin = await staff();
    const before = (await call("GET", "/api/v1/admin/domain_blocks?limit=200", admin.token)).body.length;
    for (const body of [{ domain: "" }, { domain: "not a domain" }, { domain: domain("sev"), severity: "ban" }, { domain: ["x"] }, { domain: domain("b"), reject_media: { a: 1 } }]) {
      const res = await call("POST", "/api/v1/admin/domain_blocks", admin.token, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await call("GET", "/api/v1/admin/domain_blocks?limit=200", admin.token)).body.length).toBe(before);
  });
});

describe("GET /api/v1/instance/domain_blocks", () => {
  it("lists silenced and suspended domains, obfuscated ones masked, comments shown", async () => {
    const admin = await staff();
    const hidden = domain("hidden");
    const noop = domain("noop");
    await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: hidden, severity: "suspend", obfuscate: true, public_comment: "abuse" });
    await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: noop, severity: "noop", reject_media: true });
    const res = await api("/api/v1/instance/domain_blocks");
    const list = (await res.json()) as any[];
    for (const b of list) expectSchema(b, "DomainBlock");
    // Blocked servers are not listed among the peers.
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    await directory.addPeers([hidden, `media.${hidden}`, `x${hidden}`]);
    const peers = await directory.peers();
    expect(peers).toContain(`x${hidden}`);
    expect(peers).not.toContain(hidden);
    expect(peers).not.toContain(`media.${hidden}`);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(hidden)))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(list.find((b) => b.digest === digest)).toEqual({ domain: obfuscateDomain(hidden), digest, severity: "suspend", comment: "abuse" });
    expect(obfuscateDomain(hidden)).toContain("*");
    expect(list.some((b) => b.domain === noop)).toBe(false);
  });

  it("honours SHOW_DOMAIN_BLOCKS and SHOW_DOMAIN_BLOCKS_RATIONALE", async () => {
    expect((await fetchWithEnv({ SHOW_DOMAIN_BLOCKS: "disabled" }, "/api/v1/instance/domain_blocks")).status).toBe(404);
    expect((await fetchWithEnv({ SHOW_DOMAIN_BLOCKS: "users" }, "/api/v1/instance/domain_blocks")).status).toBe(404);
    const user = await registerUser(uniqueName("viewer"));
    const seen = await fetchWithEnv({ SHOW_DOMAIN_BLOCKS: "users" }, "/api/v1/instance/domain_blocks", { headers: bearer(user.token) });
    expect(seen.status).toBe(200);
    const noComments = (await (await fetchWithEnv({ SHOW_DOMAIN_BLOCKS_RATIONALE: "disabled" }, "/api/v1/instance/domain_blocks")).json()) as any[];
    expect(noComments.every((b) => b.comment === null)).toBe(true);
  });

  it("obfuscates as Mastodon: the ends and dots stay", () => {
    expect(obfuscateDomain("example.com")).toBe("exa****.*om");
    const masked = obfuscateDomain("bad-actors.example");
    expect(masked.startsWith("bad")).toBe(true);
    expect(masked.endsWith("mple")).toBe(true);
    expect(masked.split(".").length).toBe(2);
  });
});

describe("domain allows", () => {
  it("creates (an existing one answers itself), shows, lists and deletes", async () => {
    const admin = await staff();
    const d = domain("friend");
    const created = await call("POST", "/api/v1/admin/domain_allows", admin.token, { domain: d });
    expect(created.status).toBe(200);
    expectSchema(created.body, "AdminDomainAllow");
    expect((await call("POST", "/api/v1/admin/domain_allows", admin.token, { domain: d.toUpperCase() })).body.id).toBe(created.body.id);
    expect((await call("GET", `/api/v1/admin/domain_allows/${created.body.id}`, admin.token)).body).toEqual(created.body);
    const list = await call("GET", "/api/v1/admin/domain_allows", admin.token);
    expect(list.body.map((a: any) => a.id)).toContain(created.body.id);
    expect((await call("POST", "/api/v1/admin/domain_allows", admin.token, { domain: "" })).status).toBe(422);
    expect((await call("DELETE", `/api/v1/admin/domain_allows/${created.body.id}`, admin.token)).body).toEqual({});
    expect((await call("GET", `/api/v1/admin/domain_allows/${created.body.id}`, admin.token)).status).toBe(404);
  });

  it("limited federation mode: only allowed domains (and subdomains) federate", () => {
    const list = { blocks: [], allows: ["friends.example"] };
    expect(policyFor(list, "friends.example", true).refused).toBe(false);
    expect(policyFor(list, "media.friends.example", true).refused).toBe(false);
    expect(policyFor(list, "others.example", true).refused).toBe(true);
    expect(policyFor(list, "others.example", false).refused).toBe(false);
  });
});

async function signedPost(activity: Record<string, unknown>, actor: PeerActor, overrides: Partial<Env> = {}): Promise<Response> {
  const request = new Request("https://pronghorn.test/inbox", { method: "POST", body: JSON.stringify(activity), headers: { "content-type": "application/activity+json" } });
  const signed = await fedifySign(request, actor.privateKey, new URL(actor.keyId));
  if (Object.keys(overrides).length === 0) return SELF.fetch(signed);
  return fetchWithEnv(overrides, "/inbox", { method: "POST", headers: signed.headers, body: JSON.stringify(activity) });
}

describe("enforcement", () => {
  it("a suspended domain: inbox POSTs, fetches, WebFinger and deliveries are refused, its accounts hidden", async () => {
    const admin = await staff();
    const server = remoteServer("suspended");
    const mallory = await server.actor("mallory");
    const malloryId = await remoteId(mallory);
    expect((await getJson(`/api/v1/accounts/${malloryId}`)).status).toBe(200);
    const created = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: server.peer.host, severity: "suspend" });
    expect(created.status).toBe(200);
    const before = server.peer.requests.length;

    const inbox = await signedPost(createOf(mallory, noteOf(mallory)), mallory);
    expect(inbox.status).toBe(403);
    expect(await resolveHandle(env, O, `someone@${server.peer.host}`)).toBeNull();
    const fetched = await resolveRemoteActor(env, `${server.peer.origin}/users/other`, { origin: O.origin });
    expect(fetched.ok).toBe(false);
    const delivery = await enqueueDelivery(env, { inbox: `${server.peer.origin}/inbox`, activity: { id: `${O.origin}/x`, actor: `${O.origin}/actor`, type: "Delete" }, signerAccountId: "instance" });
    expect(delivery).toMatchObject({ ok: false, status: 403 });
    expect(server.peer.requests.length).toBe(before);
    expect((await getJson(`/api/v1/accounts/${malloryId}`)).status).toBe(404);

    await call("DELETE", `/api/v1/admin/domain_blocks/${created.body.id}`, admin.token);
    expect((await getJson(`/api/v1/accounts/${malloryId}`)).status).toBe(200);
  });

  it("silence keeps the domain out of public timelines; reject_media marks its attachments", async () => {
    const admin = await staff();
    const server = remoteServer("quiet");
    const quinn = await server.actor("quinn");
    await followRemote(await registerUser(uniqueName("fan")), quinn);
    const note = noteOf(quinn, {
      content: "<p>quiet words</p>",
      extra: { attachment: [{ type: "Document", mediaType: "image/png", url: `${server.peer.origin}/media/a.png`, name: "a picture" }] },
    });
    const entry = await deliver(createOf(quinn, note), quinn);
    expect(entry).toMatchObject({ state: "done" });
    const publicIds = async () => (await getJson("/api/v1/timelines/public?remote=true&limit=40")).body;
    const shown = (await publicIds()).find((s: any) => s.uri === note.id);
    expect(shown, "the remote status reaches the public timeline").toBeDefined();

    const media = await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: server.peer.host, severity: "noop", reject_media: true });
    const marked = (await publicIds()).find((s: any) => s.uri === note.id);
    expect(shown.media_attachments).toHaveLength(1);
    expect(marked.media_attachments[0]).toMatchObject({ type: "unknown", url: null, preview_url: null, remote_url: `${server.peer.origin}/media/a.png` });
    const single = await getJson(`/api/v1/statuses/${shown.id}`);
    expect(single.body.media_attachments[0]).toMatchObject({ type: "unknown", url: null, remote_url: `${server.peer.origin}/media/a.png` });
    expectSchema(single.body, "Status");
    await call("PUT", `/api/v1/admin/domain_blocks/${media.body.id}`, admin.token, { severity: "silence" });
    expect((await publicIds()).find((s: any) => s.uri === note.id)).toBeUndefined();
    expect((await getJson(`/api/v1/statuses/${shown.id}`)).status).toBe(200);
    // Suspended: the status already known is hidden from single reads too.
    await call("PUT", `/api/v1/admin/domain_blocks/${media.body.id}`, admin.token, { severity: "suspend" });
    expect((await getJson(`/api/v1/statuses/${shown.id}`)).status).toBe(404);
    await call("DELETE", `/api/v1/admin/domain_blocks/${media.body.id}`, admin.token);
    expect((await getJson(`/api/v1/statuses/${shown.id}`)).status).toBe(200);
    expect((await publicIds()).find((s: any) => s.uri === note.id)).toBeDefined();
  });

  it("reject_reports drops the domain's Flags", async () => {
    const admin = await staff();
    const target = await registerUser(uniqueName("target"));
    const server = remoteServer("reporter");
    const rita = await server.actor("rita");
    await call("POST", "/api/v1/admin/domain_blocks", admin.token, { domain: server.peer.host, severity: "noop", reject_reports: true });
    const flag = activityOf(rita, "Flag", [`https://pronghorn.test/users/${target.username}`], { content: "spam" });
    const res = await signedPost(flag, rita);
    expect(res.status).toBe(202);
    await processed(flag.id);
    const directory = env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
    expect(await directory.reports({ targetAccountId: target.id })).toHaveLength(0);
    // The same report from a server whose reports are taken arrives.
    const other = remoteServer("reporter-ok");
    const otto = await other.actor("otto");
    const accepted = activityOf(otto, "Flag", [`https://pronghorn.test/users/${target.username}`], { content: "spam" });
    expect((await signedPost(accepted, otto)).status).toBe(202);
    await processed(accepted.id);
    expect(await directory.reports({ targetAccountId: target.id })).toHaveLength(1);
  });

  it("limited federation mode refuses an inbox POST from a domain not allowed", async () => {
    const admin = await staff();
    const server = remoteServer("stranger");
    const sam = await server.actor("sam");
    const res = await signedPost(createOf(sam, noteOf(sam)), sam, { LIMITED_FEDERATION_MODE: "true" });
    expect(res.status).toBe(403);
    await call("POST", "/api/v1/admin/domain_allows", admin.token, { domain: server.peer.host });
    const allowed = await signedPost(createOf(sam, noteOf(sam)), sam, { LIMITED_FEDERATION_MODE: "true" });
    expect(allowed.status).toBe(202);
  });
});

describe("directory migration", () => {
  it("bare-domain blocks from before severities become suspensions with ids", async () => {
    const stub = env.DIRECTORY.get(env.DIRECTORY.newUniqueId());
    await runInDurableObject(stub, async (_o: DirectoryObject, state) => {
      const sql = state.storage.sql;
      for (const r of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()) {
        sql.exec(`DROP TABLE IF EXISTS "${r.name}"`);
      }
      const before = MIGRATIONS.indexOf(domainModerationSchema);
      expect(migrate(state.storage, MIGRATIONS.slice(0, before))).toBe(before);
      sql.exec("INSERT INTO domain_blocks (domain, created_at) VALUES ('old.example', '2024-01-01T00:00:00.000Z'), ('older.example', '2023-01-01T00:00:00.000Z')");
      expect(migrate(state.storage, MIGRATIONS)).toBe(MIGRATIONS.length);
      const blocks = allDomainBlocks(sql);
      expect(blocks.map((b) => [b.domain, b.severity])).toEqual([["old.example", "suspend"], ["older.example", "suspend"]]);
      expect(new Set(blocks.map((b) => b.id)).size).toBe(2);
      for (const b of blocks) expect(b.id).toMatch(/^\d+$/);
    });
  });
});
