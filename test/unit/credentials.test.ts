import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, bearer, createAppToken, issueToken, jsonBody, registerUser, uniqueName } from "./helpers";
import { inlineTextToHtml, renderUrl, textToHtml } from "../../lib/text";
import type { AccountObject } from "../../objects/account/account-object";

const me = (token: string) => api("/api/v1/accounts/verify_credentials", { headers: bearer(token) });
const update = (token: string, body: unknown) => api("/api/v1/accounts/update_credentials", jsonBody("PATCH", body, token));

describe("GET /api/v1/accounts/verify_credentials", () => {
  it("returns a complete CredentialAccount with source and role", async () => {
    const user = await registerUser(uniqueName("verify"));
    const res = await me(user.token);
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account).toMatchObject({
      id: user.id,
      username: user.username,
      acct: user.username,
      display_name: "",
      locked: false,
      bot: false,
      note: "",
      fields: [],
      emojis: [],
      source: { privacy: "public", sensitive: false, note: "", fields: [], follow_requests_count: 0 },
      role: { name: "" },
    });
    expect(account.created_at).toMatch(/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/);
  });

  it("accepts the profile, read and read:accounts scopes", async () => {
    const user = await registerUser(uniqueName("scoped"), { scopes: ["profile"] });
    expect((await me(user.token)).status).toBe(200);
    expect((await me(await issueToken(user.id, ["read"]))).status).toBe(200);
    expect((await me(await issueToken(user.id, ["read:accounts"]))).status).toBe(200);
  });

  it("401 without or with a bad token, 403 without a reading scope, 422 for an app token", async () => {
    const user = await registerUser(uniqueName("denied"), { scopes: ["write"] });
    expect((await api("/api/v1/accounts/verify_credentials")).status).toBe(401);
    expect((await me(`u${user.id}.thisisnotthetokenthisisnotthetoken`)).status).toBe(401);
    expect((await me(user.token)).status).toBe(403);
    const app = await createAppToken();
    const res = await me(app.token);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: "This method requires an authenticated user" });
  });

  it("counts pending follow requests of a locked account in source", async () => {
    const [locked, fan] = [await registerUser(uniqueName("lockedme")), await registerUser(uniqueName("fan"))];
    expect((await update(locked.token, { locked: true })).status).toBe(200);
    const follow = await api(`/api/v1/accounts/${locked.id}/follow`, jsonBody("POST", {}, fan.token));
    expect(((await follow.json()) as any).requested).toBe(true);
    const account = (await (await me(locked.token)).json()) as any;
    expect(account.locked).toBe(true);
    expect(account.source.follow_requests_count).toBe(1);
  });

  it("shows owner role details for an owner", async () => {
    const owner = await registerUser(uniqueName("owner"), { role: "owner" });
    const account = (await (await me(owner.token)).json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account.role).toMatchObject({ name: "Owner", highlighted: true });
    expect(account.roles).toEqual([{ id: "3", name: "Owner", color: "" }]);
  });
});

describe("PATCH /api/v1/accounts/update_credentials", () => {
  it("updates every profile setting from a JSON body", async () => {
    const user = await registerUser(uniqueName("editor"));
    const res = await update(user.token, {
      display_name: "Proud Pronghorn 🦌",
      note: "Fast runner.\n\nSee https://example.com/about & <b>more</b>",
      fields_attributes: [
        { name: "Website", value: "https://pronghorn.example/" },
        { name: "Pronouns", value: "they/them" },
      ],
      locked: true,
      bot: true,
      discoverable: false,
      indexable: false,
      hide_collections: true,
      source: { privacy: "unlisted", sensitive: true, language: "de" },
    });
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account.display_name).toBe("Proud Pronghorn 🦌");
    expect(account.note).toBe(
      '<p>Fast runner.</p><p>See <a href="https://example.com/about" target="_blank" rel="nofollow noopener noreferrer" translate="no">' +
        '<span class="invisible">https://</span><span class="">example.com/about</span><span class="invisible"></span></a> &amp; &lt;b&gt;more&lt;/b&gt;</p>',
    );
    expect(account.source.note).toBe("Fast runner.\n\nSee https://example.com/about & <b>more</b>");
    expect(account.fields[0].name).toBe("Website");
    expect(account.fields[0].value).toContain('<a href="https://pronghorn.example/"');
    expect(account.fields[0].verified_at).toBeNull();
    expect(account.source.fields).toEqual([
      { name: "Website", value: "https://pronghorn.example/", verified_at: null },
      { name: "Pronouns", value: "they/them", verified_at: null },
    ]);
    expect(account).toMatchObject({ locked: true, bot: true, discoverable: false, indexable: false, noindex: true, hide_collections: true });
    expect(account.source).toMatchObject({ privacy: "unlisted", sensitive: true, language: "de", discoverable: false, indexable: false, hide_collections: true });

    const again = (await (await me(user.token)).json()) as any;
    expect(again.display_name).toBe("Proud Pronghorn 🦌");
    expect(again.source.privacy).toBe("unlisted");
    const publicView = (await (await api(`/api/v1/accounts/${user.id}`)).json()) as any;
    expectSchema(publicView, "Account");
    expect(publicView.note).toBe(account.note);
    expect(publicView.fields).toEqual(account.fields);
  });

  it("reads Rails-style form fields (fields_attributes[0][name]=...) and booleans as strings", async () => {
    const user = await registerUser(uniqueName("former"));
    const form = new URLSearchParams({
      display_name: "Form Person",
      "fields_attributes[0][name]": "First",
      "fields_attributes[0][value]": "one",
      "fields_attributes[1][name]": "Second",
      "fields_attributes[1][value]": "two",
      "fields_attributes[2][name]": "",
      "fields_attributes[2][value]": "",
      locked: "1",
      bot: "false",
      "source[privacy]": "private",
      "source[sensitive]": "on",
    });
    const res = await api("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      headers: bearer(user.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: form,
    });
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account.source.fields.map((f: any) => [f.name, f.value])).toEqual([["First", "one"], ["Second", "two"]]);
    expect(account).toMatchObject({ display_name: "Form Person", locked: true, bot: false });
    expect(account.source).toMatchObject({ privacy: "private", sensitive: true });
  });

  it("reads a multipart body and a JSON object keyed by index", async () => {
    const user = await registerUser(uniqueName("multi"));
    const data = new FormData();
    data.set("display_name", "Multipart");
    data.set("note", "hello");
    const res = await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(user.token), body: data });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).display_name).toBe("Multipart");

    const keyed = await update(user.token, { fields_attributes: { "1": { name: "B", value: "2" }, "0": { name: "A", value: "1" } } });
    expect(keyed.status).toBe(200);
    expect(((await keyed.json()) as any).source.fields.map((f: any) => f.name)).toEqual(["A", "B"]);
  });

  it("leaves what was not sent untouched and clears with empty values", async () => {
    const user = await registerUser(uniqueName("partial"));
    await update(user.token, { display_name: "Kept", note: "bio", fields_attributes: [{ name: "a", value: "b" }] });
    const res = await update(user.token, { locked: true });
    const account = (await res.json()) as any;
    expect(account).toMatchObject({ display_name: "Kept", locked: true });
    expect(account.source.note).toBe("bio");
    const cleared = (await (await update(user.token, { note: "", display_name: null, fields_attributes: [] })).json()) as any;
    expect(cleared).toMatchObject({ display_name: "", note: "", fields: [] });
    expect(cleared.source.note).toBe("");
  });

  it("also answers PUT (Rails routes it to the same action)", async () => {
    const user = await registerUser(uniqueName("putter"));
    const res = await api("/api/v1/accounts/update_credentials", jsonBody("PUT", { display_name: "Put" }, user.token));
    expect(res.status).toBe(200);
  });

  const invalid: [string, Record<string, unknown>, string, string][] = [
    ["display name over 30 characters", { display_name: "x".repeat(31) }, "display_name", "ERR_TOO_LONG"],
    ["note over 500 characters", { note: "x".repeat(501) }, "note", "ERR_TOO_LONG"],
    ["five fields", { fields_attributes: [1, 2, 3, 4, 5].map((i) => ({ name: `n${i}`, value: "v" })) }, "fields_attributes", "ERR_TOO_LONG"],
    ["field name over 255", { fields_attributes: [{ name: "n".repeat(256), value: "v" }] }, "fields_attributes.0.name", "ERR_TOO_LONG"],
    ["field value over 2047", { fields_attributes: [{ name: "n", value: "v".repeat(2048) }] }, "fields_attributes.0.value", "ERR_TOO_LONG"],
    ["fields that are not a list", { fields_attributes: "nope" }, "fields_attributes", "ERR_INVALID"],
    ["a non-boolean locked", { locked: "maybe" }, "locked", "ERR_INVALID"],
    ["a numeric display name", { display_name: 5 }, "display_name", "ERR_INVALID"],
    ["direct as default privacy", { source: { privacy: "direct" } }, "source.privacy", "ERR_INCLUSION"],
    ["an unknown language", { source: { language: "xx" } }, "source.language", "ERR_INCLUSION"],
    ["a malformed language", { source: { language: "english" } }, "source.language", "ERR_INVALID"],
  ];
  for (const [name, body, field, code] of invalid) {
    it(`answers 422 for ${name}, naming the field`, async () => {
      const user = await registerUser(uniqueName("invalid"));
      const res = await update(user.token, body);
      expect(res.status).toBe(422);
      const json = (await res.json()) as any;
      expect(json.error).toMatch(/^Validation failed: /);
      expect(json.details[field]?.[0]?.error, JSON.stringify(json)).toBe(code);
    });
  }

  it("is all or nothing: one bad field changes nothing", async () => {
    const user = await registerUser(uniqueName("atomic"));
    const res = await update(user.token, { display_name: "Changed", note: "x".repeat(501) });
    expect(res.status).toBe(422);
    expect(((await (await me(user.token)).json()) as any).display_name).toBe("");
  });

  it("answers malformed JSON with 400", async () => {
    const user = await registerUser(uniqueName("malformed"));
    const res = await api("/api/v1/accounts/update_credentials", {
      method: "PATCH",
      headers: bearer(user.token, { "content-type": "application/json" }),
      body: '{"display_name": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toMatch(/JSON/);
  });

  it("needs write:accounts (403 with a read-only token) and a token (401)", async () => {
    const user = await registerUser(uniqueName("reader"), { scopes: ["read"] });
    expect((await update(user.token, { display_name: "x" })).status).toBe(403);
    expect((await api("/api/v1/accounts/update_credentials", jsonBody("PATCH", { display_name: "x" }))).status).toBe(401);
  });

  it("refuses a truncated avatar with a clear 422 and leaves the profile as it was", async () => {
    const user = await registerUser(uniqueName("avatar"));
    const data = new FormData();
    data.set("display_name", "With avatar");
    data.set("avatar", new File([new Uint8Array([137, 80, 78, 71])], "a.png", { type: "image/png" }));
    const res = await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(user.token), body: data });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/^Validation failed: /);
    expect(((await (await me(user.token)).json()) as any).display_name).toBe("");
  });
});

describe("GET /api/v1/preferences", () => {
  it("returns the posting defaults and reading preferences", async () => {
    const user = await registerUser(uniqueName("prefs"));
    await update(user.token, { source: { privacy: "private", sensitive: true, language: "fr" } });
    const res = await api("/api/v1/preferences", { headers: bearer(user.token) });
    expect(res.status).toBe(200);
    const prefs = await res.json();
    expectSchema(prefs, "Preferences");
    expect(prefs).toEqual({
      "posting:default:visibility": "private",
      "posting:default:sensitive": true,
      "posting:default:language": "fr",
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
      "reading:autoplay:gifs": false,
    });
  });

  it("needs read:accounts", async () => {
    const user = await registerUser(uniqueName("noprefs"), { scopes: ["write"] });
    expect((await api("/api/v1/preferences", { headers: bearer(user.token) })).status).toBe(403);
  });
});

describe("DELETE /api/v1/profile/avatar and /header", () => {
  it("resets the image to the default and returns the CredentialAccount", async () => {
    const user = await registerUser(uniqueName("images"));
    // No upload API yet (media issue): put an image URL in place the way a later upload would.
    const stub = env.ACCOUNT.get(env.ACCOUNT.idFromName(user.id));
    await runInDurableObject(stub, async (instance: AccountObject) => {
      instance.sql.exec("UPDATE account SET avatar_url = ?, header_url = ?", "https://cdn.example/a.png", "https://cdn.example/h.png");
    });
    expect(((await (await me(user.token)).json()) as any).avatar).toBe("https://cdn.example/a.png");

    const res = await api("/api/v1/profile/avatar", { method: "DELETE", headers: bearer(user.token) });
    expect(res.status).toBe(200);
    const account = (await res.json()) as any;
    expectSchema(account, "CredentialAccount");
    expect(account.avatar).toMatch(/\/avatars\/original\/missing\.png$/);
    expect(account.header).toBe("https://cdn.example/h.png");

    const header = (await (await api("/api/v1/profile/header", { method: "DELETE", headers: bearer(user.token) })).json()) as any;
    expect(header.header).toMatch(/\/headers\/original\/missing\.png$/);
  });

  it("needs write:accounts", async () => {
    const user = await registerUser(uniqueName("noimages"), { scopes: ["read"] });
    expect((await api("/api/v1/profile/avatar", { method: "DELETE", headers: bearer(user.token) })).status).toBe(403);
  });
});

describe("lib/text: plain text to HTML", () => {
  it("escapes everything and links only http(s) URLs", () => {
    expect(textToHtml(`<script>alert("x")</script> javascript:alert(1) example.com a@b.co`)).toBe(
      "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; javascript:alert(1) example.com a@b.co</p>",
    );
    expect(textToHtml("see http://a.example/x.")).toContain('<a href="http://a.example/x"');
    expect(textToHtml("see http://a.example/x.")).toMatch(/<\/a>\.<\/p>$/);
  });

  it("makes paragraphs from blank lines and <br /> from single newlines", () => {
    expect(textToHtml("one\ntwo\r\n\r\nthree")).toBe("<p>one<br />two</p><p>three</p>");
    expect(textToHtml("   \n ")).toBe("");
  });

  it("shortens long URLs the way Mastodon does", () => {
    const url = "https://www.example.com/a/very/long/path/that/goes/on/and/on";
    const html = renderUrl(url);
    expect(html).toContain('<span class="invisible">https://www.</span>');
    expect(html).toContain('<span class="ellipsis">example.com/a/very/long/path/t</span>');
    expect(html).toContain('<span class="invisible">hat/goes/on/and/on</span>');
  });

  it("renders one-line values without paragraphs, and lets callers render tokens", () => {
    expect(inlineTextToHtml("x https://a.example")).toMatch(/^x <a href/);
    expect(textToHtml("hi there", { renderToken: (t) => (t.toString() === "hi there" ? "<b>custom</b>" : undefined) })).toBe("<p><b>custom</b></p>");
  });
});
