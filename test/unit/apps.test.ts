import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, bearer, createAppToken, registerUser, uniqueName } from "./helpers";

/** The redirect URIs real apps register: every one must be accepted and echoed unchanged. */
const CLIENT_REDIRECT_URIS = [
  "com.tapbots.Ivory.10217:/request_token",
  "icecubesapp://",
  "mammoth://addNewInstance",
  "oauth2redirect://com.keylesspalace.tusky/",
  "urn:ietf:wg:oauth:2.0:oob",
  "https://elk.zone/api/pronghorn.test/oauth/https%3A%2F%2Felk.zone",
];

function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return api(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

function postForm(path: string, fields: Record<string, string> | [string, string][]) {
  return api(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

function decodeBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (ch) => ch.charCodeAt(0));
}

describe("POST /api/v1/apps", () => {
  it("returns a CredentialApplication with string id, null website and both redirect forms", async () => {
    const res = await postJson("/api/v1/apps", {
      client_name: "Ivory",
      redirect_uris: "com.tapbots.Ivory.10217:/request_token",
      scopes: "read write follow push",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const app = await res.json<any>();
    expectSchema(app, "CredentialApplication");
    expect(app.id).toMatch(/^\d+$/);
    expect(app.name).toBe("Ivory");
    expect(app.website).toBeNull();
    expect(app.redirect_uri).toBe("com.tapbots.Ivory.10217:/request_token");
    expect(app.redirect_uris).toEqual(["com.tapbots.Ivory.10217:/request_token"]);
    expect(app.scopes).toEqual(["read", "write", "follow", "push"]);
    expect(app.client_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(app.client_secret_expires_at).toBe(0);
  });

  it("returns the instance VAPID key: an uncompressed P-256 point, the same for every app", async () => {
    const a = await (await postJson("/api/v1/apps", { client_name: "A", redirect_uris: "icecubesapp://" })).json<any>();
    const b = await (await postJson("/api/v1/apps", { client_name: "B", redirect_uris: "icecubesapp://" })).json<any>();
    expect(a.vapid_key).toBe(b.vapid_key);
    expect(a.vapid_key).toMatch(/^[A-Za-z0-9_-]+=*$/);
    const point = decodeBase64url(a.vapid_key);
    expect(point.length).toBe(65);
    expect(point[0]).toBe(4);
    const stored = await env.DIRECTORY.get(env.DIRECTORY.idFromName("directory")).vapidPublicKey();
    expect(a.vapid_key).toBe(stored);
  });

  it.each(CLIENT_REDIRECT_URIS)("accepts the redirect URI %s unchanged", async (uri) => {
    const res = await postJson("/api/v1/apps", { client_name: "App", redirect_uris: uri });
    expect(res.status).toBe(200);
    const app = await res.json<any>();
    expect(app.redirect_uris).toEqual([uri]);
    expect(app.redirect_uri).toBe(uri);
    expectSchema(app, "CredentialApplication");
  });

  it("accepts several URIs as a space or newline separated string, or as an array", async () => {
    const spaced = await (await postJson("/api/v1/apps", { client_name: "S", redirect_uris: "icecubesapp:// urn:ietf:wg:oauth:2.0:oob" })).json<any>();
    expect(spaced.redirect_uris).toEqual(["icecubesapp://", "urn:ietf:wg:oauth:2.0:oob"]);
    expect(spaced.redirect_uri).toBe("icecubesapp://\nurn:ietf:wg:oauth:2.0:oob");

    const lines = await (await postJson("/api/v1/apps", { client_name: "N", redirect_uris: "mammoth://addNewInstance\r\nicecubesapp://\n" })).json<any>();
    expect(lines.redirect_uris).toEqual(["mammoth://addNewInstance", "icecubesapp://"]);

    const array = await (await postJson("/api/v1/apps", { client_name: "J", redirect_uris: ["icecubesapp://", "https://a.example/cb"] })).json<any>();
    expect(array.redirect_uris).toEqual(["icecubesapp://", "https://a.example/cb"]);

    const form = await postForm("/api/v1/apps", [
      ["client_name", "F"],
      ["redirect_uris[]", "oauth2redirect://com.keylesspalace.tusky/"],
      ["redirect_uris[]", "urn:ietf:wg:oauth:2.0:oob"],
    ]);
    expect((await form.json<any>()).redirect_uris).toEqual(["oauth2redirect://com.keylesspalace.tusky/", "urn:ietf:wg:oauth:2.0:oob"]);
  });

  it("accepts the older singular redirect_uri parameter", async () => {
    const app = await (await postForm("/api/v1/apps", { client_name: "Old", redirect_uri: "urn:ietf:wg:oauth:2.0:oob" })).json<any>();
    expect(app.redirect_uris).toEqual(["urn:ietf:wg:oauth:2.0:oob"]);
  });

  it("reads form, multipart, query-string and content-type-less bodies", async () => {
    const form = await postForm("/api/v1/apps", { client_name: "Form", redirect_uris: "icecubesapp://", scopes: "read write" });
    expect((await form.json<any>()).scopes).toEqual(["read", "write"]);

    const multipart = new FormData();
    multipart.set("client_name", "Multipart");
    multipart.set("redirect_uris", "icecubesapp://");
    multipart.set("website", "https://app.example");
    const mp = await api("/api/v1/apps", { method: "POST", body: multipart });
    expect(mp.status).toBe(200);
    expect(await mp.json<any>()).toMatchObject({ name: "Multipart", website: "https://app.example" });

    const query = new URLSearchParams({ client_name: "Query", redirect_uris: "mammoth://addNewInstance", scopes: "read+write" });
    const qs = await api(`/api/v1/apps?${query}`, { method: "POST" });
    expect(qs.status).toBe(200);
    expect(await qs.json<any>()).toMatchObject({ name: "Query", scopes: ["read", "write"] });

    const bare = await api("/api/v1/apps", {
      method: "POST",
      body: new TextEncoder().encode("client_name=Bare&redirect_uris=icecubesapp%3A%2F%2F"),
    });
    expect(bare.status).toBe(200);
    expect((await bare.json<any>()).name).toBe("Bare");
  });

  it("defaults scopes to read and turns a blank website into null", async () => {
    const app = await (await postJson("/api/v1/apps", { client_name: "D", redirect_uris: "icecubesapp://", website: "" })).json<any>();
    expect(app.scopes).toEqual(["read"]);
    expect(app.website).toBeNull();
  });

  it("accepts granular and admin scopes", async () => {
    const app = await (
      await postJson("/api/v1/apps", { client_name: "G", redirect_uris: "icecubesapp://", scopes: "read:statuses write:media profile admin:read" })
    ).json<any>();
    expect(app.scopes).toEqual(["read:statuses", "write:media", "profile", "admin:read"]);
    expectSchema(app, "CredentialApplication");
  });

  it("gives 422 naming client_name when it is missing", async () => {
    const res = await postJson("/api/v1/apps", { redirect_uris: "icecubesapp://" });
    expect(res.status).toBe(422);
    const body = await res.json<any>();
    expect(body.error).toMatch(/Client name can't be blank/);
    expect(body.details.client_name[0].error).toBe("ERR_BLANK");
  });

  it("gives 422 naming client_name when it is not a string", async () => {
    const res = await postJson("/api/v1/apps", { client_name: 42, redirect_uris: "icecubesapp://" });
    expect(res.status).toBe(422);
    expect((await res.json<any>()).details.client_name[0].error).toBe("ERR_INVALID");
  });

  it("gives 422 for an unknown scope", async () => {
    const res = await postJson("/api/v1/apps", { client_name: "X", redirect_uris: "icecubesapp://", scopes: "read teleport" });
    expect(res.status).toBe(422);
    expect((await res.json<any>()).details.scopes).toBeDefined();
  });

  it.each([
    ["missing", {}],
    ["blank", { redirect_uris: "  " }],
    ["with a fragment", { redirect_uris: "https://app.example/cb#frag" }],
    ["with whitespace inside an array item", { redirect_uris: ["https://app.example/a b"] }],
    ["an empty array item", { redirect_uris: ["icecubesapp://", ""] }],
    ["without a scheme", { redirect_uris: "/relative/path" }],
    ["of the wrong type", { redirect_uris: 42 }],
  ])("gives 422 for a redirect URI %s", async (_what, fields) => {
    const res = await postJson("/api/v1/apps", { client_name: "Bad", ...fields });
    expect(res.status).toBe(422);
    const body = await res.json<any>();
    expect(body.error).toMatch(/Redirect URI/);
    expect(Object.keys(body.details)[0]).toMatch(/^redirect_uris?$/);
  });

  it("gives 422 for a website that is not an http(s) URL", async () => {
    const res = await postJson("/api/v1/apps", { client_name: "W", redirect_uris: "icecubesapp://", website: "javascript:alert(1)" });
    expect(res.status).toBe(422);
    expect((await res.json<any>()).details.website).toBeDefined();
  });

  it("gives 422 for a name longer than 60 characters", async () => {
    const res = await postJson("/api/v1/apps", { client_name: "x".repeat(61), redirect_uris: "icecubesapp://" });
    expect(res.status).toBe(422);
  });

  it("gives 400 for malformed JSON", async () => {
    const res = await api("/api/v1/apps", { method: "POST", headers: { "content-type": "application/json" }, body: "{client_name:" });
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error).toMatch(/JSON/);
  });
});

describe("GET /api/v1/apps/verify_credentials", () => {
  async function registerApp() {
    const res = await postJson("/api/v1/apps", {
      client_name: "Verifier",
      redirect_uris: "icecubesapp:// urn:ietf:wg:oauth:2.0:oob",
      scopes: "read write",
      website: "https://verifier.example",
    });
    return res.json<any>();
  }

  it("returns the Application of an app token, without its secret", async () => {
    const app = await registerApp();
    const tokenRes = await postJson("/oauth/token", {
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    const { access_token } = await tokenRes.json<any>();
    const res = await api("/api/v1/apps/verify_credentials", { headers: bearer(access_token) });
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expectSchema(body, "Application");
    expect(body).toEqual({
      id: app.id,
      name: "Verifier",
      website: "https://verifier.example",
      scopes: ["read", "write"],
      redirect_uri: "icecubesapp://\nurn:ietf:wg:oauth:2.0:oob",
      redirect_uris: ["icecubesapp://", "urn:ietf:wg:oauth:2.0:oob"],
      vapid_key: app.vapid_key,
    });
  });

  it("returns the Application a user token was issued to", async () => {
    const app = await registerApp();
    const user = await registerUser(uniqueName("appverify"));
    const account = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    const issued = await account.issueToken({ clientId: app.client_id, name: app.name, website: app.website }, ["write"]);
    if (!issued.ok) throw new Error("issueToken failed");
    // Any valid token will do: no scope is needed (Mastodon 4.3).
    const res = await api("/api/v1/apps/verify_credentials", { headers: bearer(issued.value.access_token) });
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expectSchema(body, "Application");
    expect(body.id).toBe(app.id);
    expect(body.client_secret).toBeUndefined();
  });

  it("works for app tokens made by the test helper too", async () => {
    const app = await createAppToken(["read"], "Helper app");
    const res = await api("/api/v1/apps/verify_credentials", { headers: bearer(app.token) });
    expect(res.status).toBe(200);
    expect((await res.json<any>()).name).toBe("Helper app");
  });

  it("answers 401 without a token or with a bad one", async () => {
    const none = await api("/api/v1/apps/verify_credentials");
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "The access token is invalid" });
    const bad = await api("/api/v1/apps/verify_credentials", { headers: bearer("not-a-token") });
    expect(bad.status).toBe(401);
  });
});
