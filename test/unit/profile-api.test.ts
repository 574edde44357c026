import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate } from "../../objects/migrations";
import { ACCOUNT_MIGRATIONS } from "../../objects/account/schema";
import { clientSurfaceSchema } from "../../objects/account/client-surface-schema";
import type { AccountObject } from "../../objects/account/account-object";
import { api, bearer, jsonBody, registerUser, uniqueName } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, getJson, newUser, send } from "./status-helpers";
import { pixelsOf, pngWithMetadata, redCorner } from "./media-fixtures";

describe("GET /api/v1/profile", () => {
  it("shows the owner's editable values: raw note and fields, null images, the profile settings", async () => {
    const user = await newUser("profile");
    const patched = await send("PATCH", "/api/v1/accounts/update_credentials", user.token, {
      display_name: "Prong Horn",
      note: "Hello <b>world</b>\nline two",
      fields_attributes: [{ name: "Home", value: "the prairie" }],
      attribution_domains: ["example.com"],
    });
    expect(patched.status).toBe(200);
    const res = await getJson("/api/v1/profile", user.token);
    expect(res.status).toBe(200);
    expectSchema(res.body, "Profile");
    expect(res.body).toMatchObject({
      id: user.id,
      display_name: "Prong Horn",
      note: "Hello <b>world</b>\nline two",
      fields: [{ name: "Home", value: "the prairie", verified_at: null }],
      avatar: null,
      avatar_static: null,
      header: null,
      header_static: null,
      avatar_description: "",
      header_description: "",
      locked: false,
      bot: false,
      discoverable: true,
      indexable: true,
      hide_collections: false,
      show_media: true,
      show_media_replies: true,
      show_featured: true,
      attribution_domains: ["example.com"],
    });
  });

  it("needs a user token with profile, read or read:accounts", async () => {
    const user = await newUser("profscope");
    expectError(await getJson("/api/v1/profile"), 401);
    for (const scopes of [["profile"], ["read:accounts"], ["read"]]) {
      const token = (await registerUser(uniqueName("ps"), { scopes })).token;
      expect((await getJson("/api/v1/profile", token)).status).toBe(200);
    }
    const writeOnly = (await registerUser(uniqueName("pw"), { scopes: ["write"] })).token;
    expectError(await getJson("/api/v1/profile", writeOnly), 403);
    expect(user.id).toBeTruthy();
  });
});

describe("PATCH /api/v1/profile", () => {
  it("updates the shared profile fields and the Profile-only settings, and answers the Profile", async () => {
    const user = await newUser("patchprof");
    const res = await send("PATCH", "/api/v1/profile", user.token, {
      display_name: "New name",
      note: "Bio",
      locked: true,
      show_media: false,
      show_media_replies: "0",
      show_featured: false,
      avatar_description: "A pronghorn",
      header_description: "A prairie",
      fields_attributes: { "0": { name: "a", value: "b" }, "1": "undefined" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectSchema(res.body, "Profile");
    expect(res.body).toMatchObject({
      display_name: "New name",
      note: "Bio",
      locked: true,
      show_media: false,
      show_media_replies: false,
      show_featured: false,
      avatar_description: "A pronghorn",
      header_description: "A prairie",
      fields: [{ name: "a", value: "b" }],
    });
    // The same account as verify_credentials sees it: one profile, two views.
    const account = await getJson("/api/v1/accounts/verify_credentials", user.token);
    expect(account.body.display_name).toBe("New name");
    expect(account.body.locked).toBe(true);
    expect(account.body.note).toBe("<p>Bio</p>");
    expect((await getJson("/api/v1/profile", user.token)).body.show_media).toBe(false);
    // Rails routes PUT to the same action (masto sends PUT).
    const put = await send("PUT", "/api/v1/profile", user.token, { show_media: true });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ show_media: true, display_name: "New name" });
  });

  it("stores an avatar from a multipart body; the Profile shows its URL", async () => {
    const user = await newUser("profavatar");
    const data = new FormData();
    data.set("avatar", new File([await pngWithMetadata(pixelsOf(8, 8, redCorner(8, 8)))], "a.png", { type: "image/png" }));
    data.set("avatar_description", "Red corner");
    const res = await api("/api/v1/profile", { method: "PATCH", headers: bearer(user.token), body: data });
    const body: any = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expectSchema(body, "Profile");
    expect(body.avatar).toMatch(/^https:\/\//);
    expect(body.avatar_description).toBe("Red corner");
    expect(body.header).toBeNull();
  });

  it("refuses invalid values with Mastodon's 422 and changes nothing", async () => {
    const user = await newUser("profbad");
    const res = await send("PATCH", "/api/v1/profile", user.token, { display_name: "x".repeat(31), show_media: "perhaps", avatar_description: "d".repeat(1501) });
    expectError(res, 422, /^Validation failed: /);
    expect(Object.keys(res.body.details).sort()).toEqual(["avatar_description", "display_name", "show_media"]);
    expect(res.body.details.display_name[0].error).toBe("ERR_TOO_LONG");
    // The limits refused are the ones the instance advertises.
    const accounts = (await getJson("/api/v2/instance")).body.configuration.accounts;
    expect(accounts).toMatchObject({ max_display_name_length: 30, max_avatar_description_length: 1500, max_header_description_length: 1500 });
    const after = await getJson("/api/v1/profile", user.token);
    expect(after.body.display_name).toBe("");
    expect(after.body.show_media).toBe(true);
    const malformed = await api("/api/v1/profile", { method: "PATCH", headers: bearer(user.token, { "content-type": "application/json" }), body: "{" });
    expect(malformed.status).toBe(400);
  });

  it("needs write:accounts", async () => {
    const reader = (await registerUser(uniqueName("pr"), { scopes: ["read"] })).token;
    expectError(await send("PATCH", "/api/v1/profile", reader, { display_name: "x" }), 403);
    expect((await api("/api/v1/profile", jsonBody("PATCH", { display_name: "x" }))).status).toBe(401);
  });

  it("an account object from before the profile settings gains Mastodon's defaults, its profile intact", async () => {
    const stub = env.ACCOUNT.get(env.ACCOUNT.newUniqueId());
    await runInDurableObject(stub, async (_instance: AccountObject, state) => {
      const sql = state.storage.sql;
      const tables = () => sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
      for (const { name } of tables()) sql.exec(`DROP TABLE IF EXISTS "${name}"`);
      migrate(state.storage, ACCOUNT_MIGRATIONS.slice(0, ACCOUNT_MIGRATIONS.indexOf(clientSurfaceSchema)));
      sql.exec("INSERT INTO account (id, username, email, display_name, created_at) VALUES ('1', 'old', 'old@example.com', 'Old', '2025-01-01T00:00:00Z')");
      migrate(state.storage, ACCOUNT_MIGRATIONS);
      expect(sql.exec("SELECT display_name, show_media, show_media_replies, show_featured, avatar_description, header_description FROM account").one()).toEqual({
        display_name: "Old",
        show_media: 1,
        show_media_replies: 1,
        show_featured: 1,
        avatar_description: "",
        header_description: "",
      });
      expect(tables().map((t) => t.name)).toEqual(expect.arrayContaining(["collections", "collection_items", "featured_in", "annual_reports", "annual_report_requests"]));
    });
  });
});
