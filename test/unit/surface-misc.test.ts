import { describe, expect, it } from "vitest";
import { createAppToken, registerUser, uniqueName } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, getJson, newUser, post, send } from "./status-helpers";

describe("translation (not configured here)", () => {
  it("answers 404 for every status, as Mastodon without a translation service; the instance says so", async () => {
    const alice = await newUser("translate");
    const s = await post(alice, { status: "Bonjour tout le monde", language: "fr" });
    expectError(await send("POST", `/api/v1/statuses/${s.id}/translate`, alice.token, { lang: "en" }), 404, /^Record not found$/);
    expectError(await send("POST", `/api/v1/statuses/999999999/translate`, alice.token), 404);
    const app = await createAppToken(["read"]);
    expectError(await send("POST", `/api/v1/statuses/${s.id}/translate`, app.token), 404);
    expectError(await send("POST", `/api/v1/statuses/${s.id}/translate`, null), 401);
    const writeOnly = (await registerUser(uniqueName("tw"), { scopes: ["write"] })).token;
    expectError(await send("POST", `/api/v1/statuses/${s.id}/translate`, writeOnly), 403);
    const instance = await getJson("/api/v2/instance");
    expect(instance.body.configuration.translation).toEqual({ enabled: false });
    expect((await getJson("/api/v1/instance/translation_languages")).body).toEqual({});
  });
});

describe("removed and deprecated endpoints", () => {
  it("identity_proofs: an empty list for a known account (deprecated in Mastodon 3.5)", async () => {
    const [me, other] = [await newUser("proofs"), await newUser("proven")];
    const res = await getJson(`/api/v1/accounts/${other.id}/identity_proofs`, me.token);
    expect(res).toMatchObject({ status: 200, body: [] });
    expectError(await getJson(`/api/v1/accounts/999999999/identity_proofs`, me.token), 404);
    expectError(await getJson(`/api/v1/accounts/${other.id}/identity_proofs`), 401);
  });

  it("timelines/direct: removed in Mastodon 3.0, a 404 like any unknown path", async () => {
    const me = await newUser("direct");
    const res = await getJson("/api/v1/timelines/direct", me.token);
    expectError(res, 404);
    expectSchema(res.body, "Error");
  });

  it("async_refreshes: an unknown or someone else's refresh is a 404; a token with read is needed", async () => {
    const [me, other] = [await newUser("refresh"), await newUser("refresh2")];
    expectError(await getJson("/api/v1_alpha/async_refreshes/abc", me.token), 404, /Record not found/);
    expectError(await getJson(`/api/v1_alpha/async_refreshes/wrapstodon-${other.id}-2025`, me.token), 404);
    expectError(await getJson("/api/v1_alpha/async_refreshes/abc"), 401);
    const writeOnly = (await registerUser(uniqueName("rw"), { scopes: ["write"] })).token;
    expectError(await getJson("/api/v1_alpha/async_refreshes/abc", writeOnly), 403);
  });
});
