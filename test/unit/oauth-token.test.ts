import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, BASE, bearer } from "./helpers";
import { ALL_SCOPES } from "../../lib/scopes";
import type { AccountObject } from "../../objects/account/account-object";
import { OOB, pkcePair, App, registerApp, authorize, codeFrom, tokenRequest, exchange, newUser } from "./oauth-helpers";

describe("POST /oauth/token", () => {
  async function freshCode(scopes = "read write follow push", uri = "icecubesapp://") {
    const app = await registerApp(uri, scopes);
    const user = await newUser();
    const { verifier, challenge } = await pkcePair();
    const code = await codeFrom(await authorize(app, user, { code_challenge: challenge, code_challenge_method: "S256" }));
    return { app, user, code, verifier };
  }

  it("refuses a reused code", async () => {
    const { app, code, verifier } = await freshCode();
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
    const again = await exchange(app, code, { code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(await again.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/already used/) });
  });

  it("refuses an expired code", async () => {
    const { app, user, code, verifier } = await freshCode();
    await runInDurableObject(env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id)), async (_o: AccountObject, state) => {
      state.storage.sql.exec("UPDATE auth_codes SET expires_at = ?", Date.now() - 1);
    });
    const res = await exchange(app, code, { code_verifier: verifier });
    expect(res.status).toBe(400);
    expect(await res.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/expired/) });
  });

  it("refuses a bad or missing PKCE verifier", async () => {
    const { app, code, verifier } = await freshCode();
    const bad = await exchange(app, code, { code_verifier: verifier.replace(/.$/, (c) => (c === "A" ? "B" : "A")) });
    expect(bad.status).toBe(400);
    expect(await bad.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/verifier/) });
    const missing = await exchange(app, code);
    expect((await missing.json<any>()).error).toBe("invalid_grant");
    // The failed attempts did not use the code up.
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("refuses a redirect URI other than the authorization request's", async () => {
    const app = await registerApp(["icecubesapp://", OOB]);
    const code = await codeFrom(await authorize(app, await newUser(), { redirect_uri: "icecubesapp://" }));
    const res = await exchange(app, code, { redirect_uri: OOB });
    expect(res.status).toBe(400);
    expect(await res.json<any>()).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/redirect URI/) });
  });

  it("refuses a code issued to another client, and garbage codes", async () => {
    const { code, verifier } = await freshCode();
    const other = await registerApp("icecubesapp://");
    const res = await exchange(other, code, { code_verifier: verifier });
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error).toBe("invalid_grant");
    for (const garbage of ["nonsense", `123.${"a".repeat(43)}`]) {
      const g = await exchange(other, garbage);
      expect(g.status).toBe(400);
      expect((await g.json<any>()).error).toBe("invalid_grant");
    }
  });

  it("answers 401 invalid_client for an unknown client, a wrong secret or none", async () => {
    const { app, code, verifier } = await freshCode();
    const cases: Record<string, string>[] = [
      { client_id: "x".repeat(43), client_secret: app.client_secret },
      { client_id: app.client_id, client_secret: "wrong-secret" },
      { client_id: app.client_id },
      { client_id: "short", client_secret: "s" },
      {},
    ];
    for (const creds of cases) {
      const res = await tokenRequest({ grant_type: "authorization_code", redirect_uri: "icecubesapp://", code, code_verifier: verifier, ...creds });
      expect(res.status).toBe(401);
      const body = await res.json<any>();
      expect(body.error).toBe("invalid_client");
      expect(body.error_description).toMatch(/Client authentication failed/);
    }
    // None of that spent the code.
    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("takes client credentials from HTTP Basic", async () => {
    const { app, code, verifier } = await freshCode();
    const basic = btoa(`${app.client_id}:${app.client_secret}`);
    const res = await tokenRequest(
      { grant_type: "authorization_code", redirect_uri: "icecubesapp://", code, code_verifier: verifier },
      { authorization: `Basic ${basic}` },
    );
    expect(res.status).toBe(200);
    const badBasic = await tokenRequest({ grant_type: "client_credentials" }, { authorization: `Basic ${btoa(`${app.client_id}:nope`)}` });
    expect(badBasic.status).toBe(401);
    const malformed = await tokenRequest({ grant_type: "client_credentials" }, { authorization: "Basic %%%" });
    expect(malformed.status).toBe(401);
  });

  it("reads form, multipart, query-string and content-type-less requests", async () => {
    const encodings: ((f: Record<string, string>) => Promise<Response>)[] = [
      (f) => api("/oauth/token", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(f).toString() }),
      (f) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(f)) form.set(k, v);
        return api("/oauth/token", { method: "POST", body: form });
      },
      (f) => api(`/oauth/token?${new URLSearchParams(f)}`, { method: "POST" }),
      (f) => api("/oauth/token", { method: "POST", body: new TextEncoder().encode(new URLSearchParams(f).toString()) }),
    ];
    for (const send of encodings) {
      const { app, code, verifier } = await freshCode();
      const res = await send({
        grant_type: "authorization_code",
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: "icecubesapp://",
        code,
        code_verifier: verifier,
      });
      expect(res.status).toBe(200);
      expectSchema(await res.json(), "Token");
    }
  });

  it("answers OAuth-shaped errors for malformed or incomplete requests", async () => {
    const malformed = await api("/oauth/token", { method: "POST", headers: { "content-type": "application/json" }, body: "{grant_type" });
    expect(malformed.status).toBe(400);
    expect((await malformed.json<any>()).error).toBe("invalid_request");

    const noGrant = await tokenRequest({ client_id: "x" });
    expect(noGrant.status).toBe(400);
    expect((await noGrant.json<any>()).error).toBe("invalid_request");

    const password = await tokenRequest({ grant_type: "password", username: "a", password: "b" });
    expect(password.status).toBe(400);
    expect(await password.json<any>()).toMatchObject({ error: "unsupported_grant_type", error_description: expect.any(String) });

    const app = await registerApp("icecubesapp://");
    const noCode = await tokenRequest({ grant_type: "authorization_code", client_id: app.client_id, client_secret: app.client_secret });
    expect(noCode.status).toBe(400);
    expect((await noCode.json<any>()).error).toBe("invalid_request");
  });

  it("issues client_credentials tokens within the app's scopes", async () => {
    const app = await registerApp("icecubesapp://", "read write");
    const res = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret });
    expect(res.status).toBe(200);
    const token = await res.json<any>();
    expectSchema(token, "Token");
    expect(token.scope).toBe("read");
    const both = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read write" });
    expect((await both.json<any>()).scope).toBe("read write");

    const beyond = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret, scope: "read push" });
    expect(beyond.status).toBe(400);
    expect((await beyond.json<any>()).error).toBe("invalid_scope");

    const verify = await api("/api/v1/apps/verify_credentials", { headers: bearer(token.access_token) });
    expect(verify.status).toBe(200);
    // An app token is not a user.
    const userinfo = await api("/oauth/userinfo", { headers: bearer(token.access_token) });
    expect(userinfo.status).toBe(422);
  });
});

describe("POST /oauth/revoke", () => {
  async function userToken(app: App) {
    const code = await codeFrom(await authorize(app, await newUser()));
    return (await (await exchange(app, code)).json<any>()).access_token as string;
  }

  function revoke(fields: Record<string, string>, headers: Record<string, string> = {}) {
    return api("/oauth/revoke", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() });
  }

  it("revokes a user token of the client", async () => {
    const app = await registerApp("icecubesapp://");
    const token = await userToken(app);
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(200);
    const res = await revoke({ token, client_id: app.client_id, client_secret: app.client_secret });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({});
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(401);
  });

  it("revokes an app token, with credentials in HTTP Basic", async () => {
    const app = await registerApp("icecubesapp://");
    const issued = await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret });
    const token = (await issued.json<any>()).access_token;
    const res = await revoke({ token }, { authorization: `Basic ${btoa(`${app.client_id}:${app.client_secret}`)}` });
    expect(res.status).toBe(200);
    expect((await api("/api/v1/apps/verify_credentials", { headers: bearer(token) })).status).toBe(401);
  });

  it("answers 200 for unknown tokens and leaves other clients' tokens alone", async () => {
    const app = await registerApp("icecubesapp://");
    const other = await registerApp("icecubesapp://");
    const token = await userToken(app);
    expect((await revoke({ token: "unknown", client_id: other.client_id, client_secret: other.client_secret })).status).toBe(200);
    const foreign = await revoke({ token, client_id: other.client_id, client_secret: other.client_secret });
    expect(foreign.status).toBe(200);
    expect((await api("/oauth/userinfo", { headers: bearer(token) })).status).toBe(200);
  });

  it("answers 401 invalid_client for bad client credentials and 400 without a token", async () => {
    const app = await registerApp("icecubesapp://");
    const bad = await revoke({ token: "t", client_id: app.client_id, client_secret: "nope" });
    expect(bad.status).toBe(401);
    expect((await bad.json<any>()).error).toBe("invalid_client");
    const none = await revoke({ client_id: app.client_id, client_secret: app.client_secret });
    expect(none.status).toBe(400);
    expect((await none.json<any>()).error).toBe("invalid_request");
  });
});

describe("GET /oauth/userinfo", () => {
  it("returns OIDC claims for a token with profile or read", async () => {
    const user = await newUser();
    for (const scopes of [["profile"], ["read"], ["read:accounts"]]) {
      const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
      const issued = await stub.issueToken({ clientId: "userinfo-test-client", name: "t", website: null }, scopes);
      if (!issued.ok) throw new Error("issueToken");
      const res = await api("/oauth/userinfo", { headers: bearer(issued.value.access_token) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        iss: `${BASE}/`,
        sub: `${BASE}/users/${user.username}`,
        name: "",
        preferred_username: user.username,
        profile: `${BASE}/@${user.username}`,
        picture: expect.stringMatching(/^https:\/\/pronghorn\.test\//),
      });
    }
  });

  it("answers 403 when the token lacks the scope and 401 without a token", async () => {
    const user = await newUser();
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    const issued = await stub.issueToken({ clientId: "userinfo-test-client", name: "t", website: null }, ["write"]);
    if (!issued.ok) throw new Error("issueToken");
    const res = await api("/oauth/userinfo", { headers: bearer(issued.value.access_token) });
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error).toMatch(/outside the authorized scopes/);
    expect((await api("/oauth/userinfo")).status).toBe(401);
  });
});

describe("GET /.well-known/oauth-authorization-server", () => {
  it("advertises the endpoints, scopes, grants and PKCE methods", async () => {
    const res = await api("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = await res.json<any>();
    expectSchema(body, "DiscoverOauthServerConfigurationResponse");
    expect(body).toMatchObject({
      issuer: `${BASE}/`,
      authorization_endpoint: `${BASE}/oauth/authorize`,
      token_endpoint: `${BASE}/oauth/token`,
      revocation_endpoint: `${BASE}/oauth/revoke`,
      userinfo_endpoint: `${BASE}/oauth/userinfo`,
      app_registration_endpoint: `${BASE}/api/v1/apps`,
      response_types_supported: ["code"],
      grant_types_supported: ["authorization_code", "client_credentials"],
      code_challenge_methods_supported: ["S256", "plain"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
    expect(body.scopes_supported).toEqual(ALL_SCOPES);
  });
});
