import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, bearer, createAppToken, fetchWithEnv, jsonBody, registerUser, uniqueName, type TestUser } from "./helpers";
import { expectSchema } from "./openapi";
import { canonicalEmail, canonicalEmailHash } from "../../lib/canonical-email";
import { cidrContains, formatCidr, parseCidr } from "../../lib/cidr";

/** E-mail domain, IP and canonical e-mail blocks (worker/api/admin-blocks.ts) and sign-up/sign-in enforcement. */

const ADMIN_SCOPES = ["read", "write", "admin:read", "admin:write"];

function admin(role: "moderator" | "admin" | "owner" = "admin"): Promise<TestUser> {
  return registerUser(uniqueName(role), { role, scopes: ADMIN_SCOPES });
}

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any; link: string | null }> {
  const res = body === undefined ? await api(path, { method, headers: bearer(token) }) : await api(path, jsonBody(method, body, token));
  return { status: res.status, body: await res.json(), link: res.headers.get("link") };
}

const rand = () => crypto.getRandomValues(new Uint32Array(1))[0];
const domain = (label: string) => `${label}-${rand().toString(36)}.example`;
const address = () => `198.51.${rand() % 250}.${rand() % 250}`;

/** Signs up through `POST /api/v1/accounts` from `ip`, as an app would. */
async function signUp(email: string, ip: string | null, overrides: Partial<Env> = {}): Promise<{ status: number; body: any }> {
  const app = await createAppToken();
  const username = uniqueName("joiner");
  const init = jsonBody("POST", { username, email, password: "joiner password 1", agreement: true, locale: "en", reason: "hello" }, app.token);
  if (ip) (init.headers as Record<string, string>)["cf-connecting-ip"] = ip;
  const res = await fetchWithEnv({ REGISTRATION_MODE: "open", ...overrides }, "/api/v1/accounts", init);
  return { status: res.status, body: { ...((await res.json()) as object), username } };
}

describe("roles and scopes", () => {
  it("needs admin or owner (manage_blocks) and the family's scope", async () => {
    const moderator = await admin("moderator");
    for (const path of ["/api/v1/admin/email_domain_blocks", "/api/v1/admin/ip_blocks", "/api/v1/admin/canonical_email_blocks"]) {
      expect((await call("GET", path, moderator.token)).status).toBe(403);
    }
    const narrow = await registerUser(uniqueName("narrow"), { role: "admin", scopes: ["admin:read:ip_blocks"] });
    expect((await call("GET", "/api/v1/admin/ip_blocks", narrow.token)).status).toBe(200);
    expect((await call("GET", "/api/v1/admin/email_domain_blocks", narrow.token)).status).toBe(403);
    expect((await call("POST", "/api/v1/admin/ip_blocks", narrow.token, { ip: "10.0.0.1", severity: "no_access" })).status).toBe(403);
  });
});

describe("e-mail domain blocks", () => {
  it("CRUD with the entity, 422 for duplicates, enforced at sign-up for the domain and its subdomains", async () => {
    const a = await admin();
    const d = domain("mail");
    const created = await call("POST", "/api/v1/admin/email_domain_blocks", a.token, { domain: d });
    expect(created.status).toBe(200);
    expectSchema(created.body, "AdminEmailDomainBlock");
    expect(created.body.history).toHaveLength(7);
    expect((await call("POST", "/api/v1/admin/email_domain_blocks", a.token, { domain: d })).status).toBe(422);
    expect((await call("POST", "/api/v1/admin/email_domain_blocks", a.token, { domain: "" })).status).toBe(422);

    const refused = await signUp(`someone@mx.${d}`, null);
    expect(refused.status).toBe(422);
    expect(refused.body.details.email[0].error).toBe("ERR_BLOCKED");
    const shown = await call("GET", `/api/v1/admin/email_domain_blocks/${created.body.id}`, a.token);
    expect(shown.body.history[0]).toMatchObject({ uses: "1", accounts: "1" });
    const list = await call("GET", "/api/v1/admin/email_domain_blocks", a.token);
    expect(list.body.map((b: any) => b.id)).toContain(created.body.id);

    expect((await call("DELETE", `/api/v1/admin/email_domain_blocks/${created.body.id}`, a.token)).body).toEqual({});
    expect((await call("GET", `/api/v1/admin/email_domain_blocks/${created.body.id}`, a.token)).status).toBe(404);
    expect((await signUp(`someone@mx.${d}`, null)).status).toBe(200);
  });

  it("allow_with_approval: the sign-up waits for a moderator", async () => {
    const a = await admin();
    const d = domain("approval");
    await call("POST", "/api/v1/admin/email_domain_blocks", a.token, { domain: d, allow_with_approval: true });
    const res = await signUp(`x@${d}`, null);
    expect(res.status).toBe(200);
    const entry = await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).findByUsername(res.body.username);
    expect(entry?.approved).toBe(false);
  });
});

describe("IP blocks", () => {
  it("parses and matches CIDR ranges (IPv4, IPv6, mapped)", () => {
    const v4 = parseCidr("192.168.7.9/16")!;
    expect(formatCidr(v4)).toBe("192.168.0.0/16");
    expect(cidrContains(v4, "192.168.200.1")).toBe(true);
    expect(cidrContains(v4, "::ffff:192.168.1.1")).toBe(true);
    expect(cidrContains(v4, "192.169.0.1")).toBe(false);
    const v6 = parseCidr("2001:db8::1/32")!;
    expect(formatCidr(v6)).toBe("2001:db8::/32");
    expect(cidrContains(v6, "2001:db8:ffff::2")).toBe(true);
    expect(cidrContains(v6, "2001:db9::")).toBe(false);
    expect(formatCidr(parseCidr("10.1.2.3")!)).toBe("10.1.2.3/32");
    for (const bad of ["300.1.1.1", "1.2.3", "10.0.0.0/33", "gg::1", "1::2::3", "10.0.0.0/x"]) expect(parseCidr(bad), bad).toBeNull();
  });

  it("CRUD with the entity; 422 for bad input and duplicates; expiry", async () => {
    const a = await admin();
    const ip = `203.0.${rand() % 250}.0/24`;
    const created = await call("POST", "/api/v1/admin/ip_blocks", a.token, { ip, severity: "sign_up_block", comment: "spam wave", expires_in: 3600 });
    expect(created.status).toBe(200);
    expectSchema(created.body, "AdminIpBlock");
    expect(created.body).toMatchObject({ ip, severity: "sign_up_block", comment: "spam wave" });
    expect(Date.parse(created.body.expires_at)).toBeGreaterThan(Date.now());
    expect((await call("POST", "/api/v1/admin/ip_blocks", a.token, { ip, severity: "no_access" })).status).toBe(422);
    for (const body of [{ ip: "not-an-ip", severity: "no_access" }, { ip: "10.9.9.9", severity: "nope" }, { ip: "10.9.9.9" }, { severity: "no_access" }, { ip: "10.9.9.8", severity: "no_access", expires_in: "soon" }]) {
      expect((await call("POST", "/api/v1/admin/ip_blocks", a.token, body)).status, JSON.stringify(body)).toBe(422);
    }
    const updated = await call("PUT", `/api/v1/admin/ip_blocks/${created.body.id}`, a.token, { severity: "sign_up_requires_approval", expires_in: null });
    expect(updated.body).toMatchObject({ id: created.body.id, ip, severity: "sign_up_requires_approval", expires_at: null, comment: "spam wave" });
    expect((await call("GET", `/api/v1/admin/ip_blocks/${created.body.id}`, a.token)).body).toEqual(updated.body);
    expect((await call("DELETE", `/api/v1/admin/ip_blocks/${created.body.id}`, a.token)).body).toEqual({});
    expect((await call("PUT", `/api/v1/admin/ip_blocks/${created.body.id}`, a.token, { severity: "no_access" })).status).toBe(404);
  });

  it("sign_up_block refuses, sign_up_requires_approval holds, no_access refuses sign-up and sign-in", async () => {
    const a = await admin();
    const blocked = address();
    await call("POST", "/api/v1/admin/ip_blocks", a.token, { ip: `${blocked}/32`, severity: "sign_up_block" });
    expect((await signUp(`u${rand()}@example.com`, blocked)).status).toBe(403);
    expect((await signUp(`u${rand()}@example.com`, address())).status).toBe(200);

    const held = address();
    await call("POST", "/api/v1/admin/ip_blocks", a.token, { ip: held, severity: "sign_up_requires_approval" });
    const pending = await signUp(`u${rand()}@example.com`, held);
    expect(pending.status).toBe(200);
    const entry = await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).findByUsername(pending.body.username);
    expect(entry?.approved).toBe(false);

    const banned = address();
    await call("POST", "/api/v1/admin/ip_blocks", a.token, { ip: banned, severity: "no_access" });
    expect((await signUp(`u${rand()}@example.com`, banned)).status).toBe(403);
    const user = await registerUser(uniqueName("signin"));
    const page = await api("/auth/sign_in");
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
    const csrf = (await page.text()).match(/name="authenticity_token" value="([^"]+)"/)![1];
    const form = (ip: string) =>
      api("/auth/sign_in", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, "cf-connecting-ip": ip },
        body: new URLSearchParams({ authenticity_token: csrf, login: user.username, password: user.password }),
        redirect: "manual",
      });
    expect((await form(banned)).status).toBe(403);
    expect((await form(address())).status).toBe(200);
  });
});

describe("canonical e-mail blocks", () => {
  it("Mastodon's canonical form", async () => {
    expect(canonicalEmail("J.Doe+news@Example.COM")).toBe("jdoe@example.com");
    expect(await canonicalEmailHash("j.doe+x@example.com")).toBe(await canonicalEmailHash("JDOE@example.com"));
  });

  it("CRUD, test, 422s, and enforced at sign-up (ERR_TAKEN)", async () => {
    const a = await admin();
    const local = `victim${rand()}`;
    const created = await call("POST", "/api/v1/admin/canonical_email_blocks", a.token, { email: `${local.slice(0, 3)}.${local.slice(3)}+tag@example.com` });
    expect(created.status).toBe(200);
    expectSchema(created.body, "AdminCanonicalEmailBlock");
    expect(created.body.canonical_email_hash).toBe(await canonicalEmailHash(`${local}@example.com`));
    expect((await call("POST", "/api/v1/admin/canonical_email_blocks", a.token, { canonical_email_hash: created.body.canonical_email_hash })).status).toBe(422);
    expect((await call("POST", "/api/v1/admin/canonical_email_blocks", a.token, { canonical_email_hash: "xyz" })).status).toBe(422);
    expect((await call("POST", "/api/v1/admin/canonical_email_blocks", a.token, {})).status).toBe(422);

    const tested = await call("POST", "/api/v1/admin/canonical_email_blocks/test", a.token, { email: `${local.toUpperCase()}@example.com` });
    expect(tested.body).toEqual([created.body]);
    expect((await call("POST", "/api/v1/admin/canonical_email_blocks/test", a.token, { email: "other@example.com" })).body).toEqual([]);
    expect((await call("POST", "/api/v1/admin/canonical_email_blocks/test", a.token, {})).status).toBe(400);

    const refused = await signUp(`${local}+again@example.com`, null);
    expect(refused.status).toBe(422);
    expect(refused.body.details.email[0].error).toBe("ERR_TAKEN");
    expect((await call("GET", "/api/v1/admin/canonical_email_blocks", a.token)).body.map((b: any) => b.id)).toContain(created.body.id);
    expect((await call("DELETE", `/api/v1/admin/canonical_email_blocks/${created.body.id}`, a.token)).body).toEqual({});
    expect((await call("GET", `/api/v1/admin/canonical_email_blocks/${created.body.id}`, a.token)).status).toBe(404);
    expect((await signUp(`${local}+again@example.com`, null)).status).toBe(200);
  });
});
