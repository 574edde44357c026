import { SELF, env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { expectSchema, itWithSpec } from "./openapi";
import { fetchWithEnv, must } from "./helpers";
import { clearInstanceCaches } from "../../worker/instance-summary";
import { MASTODON_API_VERSION, readInstanceSettings, VERSION, type InstanceSettings } from "../../core/instance-settings";
import { serializeInstance, serializeInstanceV1, serializeRules, weekStarts, type InstanceView } from "../../core/serializers/instance";
import type { Role } from "../../schemas/records";
import { MIGRATIONS as DIRECTORY_MIGRATIONS, type DirectoryObject } from "../../objects/directory/directory-object";
import { migrate, schemaVersion } from "../../objects/migrations";
import { call, post, settle, users } from "./timelines-helpers";

const BASE = "https://pronghorn.test";
const directory = () => env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
const get = (path: string, init?: RequestInit) => SELF.fetch(`${BASE}${path}`, init);

let seq = 0;
async function register(role: Role = "user", approved = true) {
  const username = `inst_${role}_${++seq}`;
  return must("register", await directory().register({ username, email: `${username}@example.test`, password: "correct horse battery", role, approved }));
}

const SEMVER_WITH_BUILD = /^\d+\.\d+\.\d+\+pronghorn\.[0-9.]+$/;

beforeEach(() => clearInstanceCaches());

describe("instance settings (pure function of env)", () => {
  it("reads the registration modes", () => {
    expect(readInstanceSettings({ REGISTRATION_MODE: "open" }).registrationMode).toBe("open");
    expect(readInstanceSettings({ REGISTRATION_MODE: " Approval " }).registrationMode).toBe("approval");
    expect(readInstanceSettings({ REGISTRATION_MODE: "closed" }).registrationMode).toBe("closed");
    expect(readInstanceSettings({}).registrationMode).toBe("open");
    // A typo must not open an instance.
    expect(readInstanceSettings({ REGISTRATION_MODE: "opne" }).registrationMode).toBe("closed");
  });

  it("defaults title, description, email, rules and languages", () => {
    const s = readInstanceSettings({ INSTANCE_TITLE: "", INSTANCE_CONTACT_EMAIL: undefined });
    expect(s.title).toBe("Pronghorn");
    expect(s.description.length).toBeGreaterThan(0);
    expect(s.contactEmail).toBe("");
    expect(s.rules).toEqual([]);
    expect(s.languages).toEqual(["en"]);
    expect(s.registrationMessage).toBeNull();
  });

  it("parses rules one per line and languages comma-separated", () => {
    const s = readInstanceSettings({ INSTANCE_RULES: "Be kind.\r\n\n  No spam.  \n", INSTANCE_LANGUAGES: "de, EN, xx, de", INSTANCE_CONTACT_EMAIL: " admin@example.test " });
    expect(s.rules).toEqual([
      { id: "1", text: "Be kind.", hint: "" },
      { id: "2", text: "No spam.", hint: "" },
    ]);
    expect(s.languages).toEqual(["de", "en"]);
    expect(s.contactEmail).toBe("admin@example.test");
  });
});

function view(settings: InstanceSettings): InstanceView {
  return {
    settings,
    origin: { origin: "https://example.test", domain: "example.test" },
    stats: { users: 3, activeMonth: 3, activeHalfyear: 3, localPosts: 0, domains: 0 },
    contactAccount: null,
    vapidPublicKey: "BKey",
  };
}

describe("registrations from the mode", () => {
  it("open", () => {
    const v = view(readInstanceSettings({ REGISTRATION_MODE: "open" }));
    expect(serializeInstance(v).registrations).toMatchObject({ enabled: true, approval_required: false, message: null, url: null });
    expect(serializeInstanceV1(v)).toMatchObject({ registrations: true, approval_required: false });
  });

  it("approval", () => {
    const v = view(readInstanceSettings({ REGISTRATION_MODE: "approval" }));
    expect(serializeInstance(v).registrations).toMatchObject({ enabled: true, approval_required: true });
    expect(serializeInstanceV1(v)).toMatchObject({ registrations: true, approval_required: true });
  });

  it("closed, with the configured message", () => {
    const v = view(readInstanceSettings({ REGISTRATION_MODE: "closed", REGISTRATION_MESSAGE: "Invite only." }));
    expect(serializeInstance(v).registrations).toMatchObject({ enabled: false, approval_required: false, message: "Invite only." });
    expect(serializeInstanceV1(v)).toMatchObject({ registrations: false, approval_required: false });
  });

  itWithSpec("every mode and rule set gives valid entities", () => {
    for (const mode of ["open", "approval", "closed"]) {
      const v = view(readInstanceSettings({ REGISTRATION_MODE: mode, INSTANCE_RULES: "Be kind.\nNo spam." }));
      expectSchema(serializeInstance(v), "Instance");
      expectSchema(serializeInstanceV1(v), "V1Instance");
    }
  });
});

describe("registration mode and texts through HTTP", () => {
  it("closed, with rules and a contact email", async () => {
    const env = { REGISTRATION_MODE: "closed", INSTANCE_RULES: "Be kind.\nNo spam.", INSTANCE_CONTACT_EMAIL: "admin@example.test", INSTANCE_TITLE: "Herd" };
    const v2: any = await (await fetchWithEnv(env, "/api/v2/instance")).json();
    expectSchema(v2, "Instance");
    expect(v2.title).toBe("Herd");
    expect(v2.registrations).toMatchObject({ enabled: false, approval_required: false });
    expect(v2.contact.email).toBe("admin@example.test");
    expect(v2.rules).toEqual([
      { id: "1", text: "Be kind.", hint: "", translations: {} },
      { id: "2", text: "No spam.", hint: "", translations: {} },
    ]);
    const rules: any[] = await (await fetchWithEnv(env, "/api/v1/instance/rules")).json();
    expect(rules.map((r) => r.text)).toEqual(["Be kind.", "No spam."]);
    const node: any = await (await fetchWithEnv(env, "/nodeinfo/2.0")).json();
    expect(node.openRegistrations).toBe(false);
  });

  it("approval", async () => {
    const v1: any = await (await fetchWithEnv({ REGISTRATION_MODE: "approval" }, "/api/v1/instance")).json();
    expectSchema(v1, "V1Instance");
    expect(v1).toMatchObject({ registrations: true, approval_required: true });
  });
});

describe("GET /api/v2/instance", () => {
  it("is complete, public and cacheable", async () => {
    const res = await get("/api/v2/instance");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body: any = await res.json();
    expectSchema(body, "Instance");
    expect(body.domain).toBe("pronghorn.test");
    expect(body.version).toMatch(SEMVER_WITH_BUILD);
    expect(body.version).toBe(VERSION);
    expect(body.api_versions).toEqual({ mastodon: MASTODON_API_VERSION });
    expect(body.configuration.urls.streaming).toBe("wss://pronghorn.test");
    expect(typeof body.configuration.vapid.public_key).toBe("string");
    expect(body.configuration.vapid.public_key).toMatch(/^[A-Za-z0-9_-]{80,}=*$/);
    expect(body.configuration.statuses).toEqual({ max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 });
    expect(body.configuration.polls).toEqual({ max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 });
    expect(body.configuration.accounts).toMatchObject({ max_featured_tags: expect.any(Number), max_pinned_statuses: expect.any(Number) });
    expect(body.configuration.media_attachments.supported_mime_types).toContain("image/png");
    expect(body.configuration.translation).toEqual({ enabled: false });
    expect(body.registrations).toMatchObject({ enabled: true, approval_required: false });
    expect(typeof body.contact.email).toBe("string");
    expect(body.rules).toEqual([]);
    expect(body.languages).toEqual(["en"]);
    expect(body.source_url).toMatch(/^https:\/\//);
    expect(body.usage.users.active_month).toEqual(expect.any(Number));
  });

  it("uses ws:// for a plain-http origin and accepts a trailing slash", async () => {
    const res = await SELF.fetch("http://127.0.0.1:8787/api/v2/instance/");
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.domain).toBe("127.0.0.1:8787");
    expect(body.configuration.urls.streaming).toBe("ws://127.0.0.1:8787");
    expect(body.thumbnail.url).toBe("http://127.0.0.1:8787/instance/thumbnail.png");
  });

  it("keeps the same VAPID key", async () => {
    const a: any = await (await get("/api/v2/instance")).json();
    clearInstanceCaches();
    const b: any = await (await get("/api/v2/instance")).json();
    expect(b.configuration.vapid.public_key).toBe(a.configuration.vapid.public_key);
  });

  it("serves the thumbnail and icon it links as PNG", async () => {
    const body: any = await (await get("/api/v2/instance")).json();
    for (const url of [body.thumbnail.url, body.icon[0].src]) {
      const res = await SELF.fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    expect(body.icon[0].size).toBe("192x192");
  });
});

describe("GET /api/v1/instance", () => {
  it("is complete and public", async () => {
    const res = await get("/api/v1/instance/");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body: any = await res.json();
    expectSchema(body, "V1Instance");
    expect(body.uri).toBe("pronghorn.test");
    expect(body.version).toMatch(SEMVER_WITH_BUILD);
    // Official iOS reads v2 only when v1's major version is at least 4.
    expect(Number(body.version.split(".")[0])).toBeGreaterThanOrEqual(4);
    expect(body.urls.streaming_api).toBe("wss://pronghorn.test");
    expect(body.email).toBe("");
    for (const key of ["uri", "title", "short_description", "description", "email", "version", "thumbnail", "languages", "configuration", "rules"]) {
      expect(body[key], key).not.toBeNull();
    }
    expect(body.stats).toEqual({ user_count: expect.any(Number), status_count: expect.any(Number), domain_count: expect.any(Number) });
    expect(body.registrations).toBe(true);
    expect(body.invites_enabled).toBe(false);
  });

  it("counts users, and the cache holds for a minute", async () => {
    const before: any = await (await get("/api/v1/instance")).json();
    await register();
    const cached: any = await (await get("/api/v1/instance")).json();
    expect(cached.stats.user_count).toBe(before.stats.user_count);
    clearInstanceCaches();
    const after: any = await (await get("/api/v1/instance")).json();
    expect(after.stats.user_count).toBe(before.stats.user_count + 1);
  });
});

describe("contact account", () => {
  it("is the first owner (else admin), serialized as an Account", async () => {
    const none: any = await (await get("/api/v2/instance")).json();
    expect(none.contact.account).toBeNull();
    expect((await (await get("/api/v1/instance")).json() as any).contact_account).toBeNull();

    await register("admin", false); // unapproved: not a contact
    const admin = await register("admin");
    clearInstanceCaches();
    let body: any = await (await get("/api/v2/instance")).json();
    expect(body.contact.account?.id).toBe(admin.id);

    const owner = await register("owner");
    clearInstanceCaches();
    body = await (await get("/api/v2/instance")).json();
    expectSchema(body, "Instance");
    expect(body.contact.account.id).toBe(owner.id);
    expect(body.contact.account.username).toBe(owner.username);
    expectSchema(body.contact.account, "Account");
    const v1: any = await (await get("/api/v1/instance")).json();
    expectSchema(v1, "V1Instance");
    expect(v1.contact_account.id).toBe(owner.id);
  });
});

describe("instance sub-resources", () => {
  it("rules: an empty list by default, valid Rules when configured", async () => {
    const res = await get("/api/v1/instance/rules");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    const rules = serializeRules(readInstanceSettings({ INSTANCE_RULES: "Be kind.\nNo spam." }).rules);
    expect(rules.map((r) => r.text)).toEqual(["Be kind.", "No spam."]);
    for (const rule of rules) expectSchema(rule, "Rule");
  });

  it("peers: the domains the directory knows", async () => {
    expect(await (await get("/api/v1/instance/peers")).json()).toEqual([]);
    await directory().addPeers(["Mastodon.example", "gts.example", "mastodon.example"]);
    clearInstanceCaches();
    expect(await (await get("/api/v1/instance/peers")).json()).toEqual(["gts.example", "mastodon.example"]);
    const v1: any = await (await get("/api/v1/instance")).json();
    expect(v1.stats.domain_count).toBe(2);
  });

  it("activity: 12 weekly buckets of strings, newest first, counting registrations", async () => {
    const before: any[] = await (await get("/api/v1/instance/activity")).json();
    expect(before).toHaveLength(12);
    const starts = weekStarts(Date.now(), 12).map((ms) => String(ms / 1000));
    expect(before.map((w) => w.week)).toEqual(starts);
    for (const w of before) {
      for (const key of ["week", "statuses", "logins", "registrations"]) expect(typeof w[key]).toBe("string");
    }
    expect(new Date(Number(before[0].week) * 1000).getUTCDay()).toBe(1); // Monday
    await register();
    clearInstanceCaches();
    const after: any[] = await (await get("/api/v1/instance/activity")).json();
    expect(Number(after[0].registrations)).toBe(Number(before[0].registrations) + 1);
  });

  it("activity, stats and nodeinfo count local statuses and active accounts", async () => {
    const figures = async () => {
      clearInstanceCaches();
      const [weeks, v1, v2, nodeinfo]: any[] = await Promise.all(
        ["/api/v1/instance/activity", "/api/v1/instance", "/api/v2/instance", "/nodeinfo/2.0"].map(async (path) => (await get(path)).json()),
      );
      return {
        statuses: Number(weeks[0].statuses),
        logins: Number(weeks[0].logins),
        statusCount: v1.stats.status_count,
        activeMonth: v2.usage.users.active_month,
        localPosts: nodeinfo.usage.localPosts,
        activeHalfyear: nodeinfo.usage.users.activeHalfyear,
      };
    };
    const before = await figures();
    const [poster] = await users("activityposter");
    for (const text of ["one", "two"]) await post(poster, { status: text });
    // The profile sync that carries the counts waits half a second to absorb bursts.
    await new Promise((r) => setTimeout(r, 600));
    await settle([poster]);
    const after = await figures();
    expect(after).toEqual({
      statuses: before.statuses + 2,
      logins: before.logins + 1,
      statusCount: before.statusCount + 2,
      activeMonth: before.activeMonth + 1,
      localPosts: before.localPosts + 2,
      activeHalfyear: before.activeHalfyear + 1,
    });
    // Marked once a day: more requests the same day change nothing. A direct post counts as a
    // post of the week (not in statuses_count), a boost the other way round, as in Mastodon.
    const direct = await post(poster, { status: `@${poster.username} a note to self`, visibility: "direct" });
    expect(direct.visibility).toBe("direct");
    const first = await post(poster, { status: "three" });
    expect((await call("POST", `/api/v1/statuses/${first.id}/reblog`, poster.token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    await settle([poster]);
    const later = await figures();
    expect([later.logins, later.activeMonth]).toEqual([after.logins, after.activeMonth]);
    expect(later.statuses).toBe(after.statuses + 2);
    expect(later.statusCount).toBe(after.statusCount + 2);
  });

  it("extended description and privacy policy", async () => {
    const ext = await get("/api/v1/instance/extended_description");
    expect(ext.status).toBe(200);
    // Never set: null `updated_at` as Mastodon's serializer gives (the OpenAPI document says string).
    const description: any = await ext.json();
    expect(description).toEqual({ updated_at: null, content: "" });
    expectSchema({ ...description, updated_at: "2025-01-01T00:00:00Z" }, "ExtendedDescription");
    const pp = await get("/api/v1/instance/privacy_policy");
    expect(pp.status).toBe(200);
    const policy: any = await pp.json();
    expectSchema(policy, "PrivacyPolicy");
    expect(policy.content).toContain("<p>");
  });

  it("terms of service: the default terms, in effect; other dates 404", async () => {
    const res = await get("/api/v1/instance/terms_of_service");
    expect(res.status).toBe(200);
    expectSchema(await res.json(), "TermsOfService");
    expect((await get("/api/v1/instance/terms_of_service/2025-01-01")).status).toBe(404);
  });

  it("languages with English names; no translation pairs", async () => {
    const langs: { code: string; name: string }[] = await (await get("/api/v1/instance/languages")).json();
    expect(langs).toContainEqual({ code: "en", name: "English" });
    expect(langs).toContainEqual({ code: "de", name: "German" });
    expect(langs.length).toBeGreaterThan(150);
    expect(await (await get("/api/v1/instance/translation_languages")).json()).toEqual({});
  });
});

describe("GET /api/v1/custom_emojis", () => {
  it("lists the directory's emojis as CustomEmoji", async () => {
    const empty = await get("/api/v1/custom_emojis");
    expect(empty.status).toBe(200);
    expect(empty.headers.get("access-control-allow-origin")).toBe("*");
    expect(await empty.json()).toEqual([]);

    await runInDurableObject(directory(), async (_obj, state) => {
      state.storage.sql.exec(
        "INSERT INTO custom_emojis (shortcode, url, static_url, visible_in_picker, category, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        "pronghorn",
        "/system/custom_emojis/pronghorn.png",
        "https://cdn.example/pronghorn-static.png",
        1,
        "animals",
        new Date().toISOString(),
      );
    });
    clearInstanceCaches();
    const list: any[] = await (await get("/api/v1/custom_emojis/")).json();
    expect(list).toEqual([
      {
        shortcode: "pronghorn",
        url: "https://pronghorn.test/system/custom_emojis/pronghorn.png",
        static_url: "https://cdn.example/pronghorn-static.png",
        visible_in_picker: true,
        category: "animals",
      },
    ]);
    for (const emoji of list) expectSchema(emoji, "CustomEmoji");
  });
});

describe("directory migrations for instance data", () => {
  it("a directory created before peers and emojis keeps its accounts and gains both tables", async () => {
    const stub = env.DIRECTORY.get(env.DIRECTORY.newUniqueId());
    await runInDurableObject(stub, async (instance: DirectoryObject, state) => {
      const sql = state.storage.sql;
      for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()) {
        sql.exec(`DROP TABLE "${name}"`);
      }
      migrate(state.storage, DIRECTORY_MIGRATIONS.slice(0, 1));
      const monday = new Date(weekStarts(Date.now(), 1)[0]).toISOString();
      sql.exec(
        "INSERT INTO accounts (id, username, username_lower, email_lower, state, approved, role, created_at) VALUES ('7', 'Old', 'old', 'old@example.test', 'active', 1, 'owner', ?)",
        monday,
      );
      migrate(state.storage, DIRECTORY_MIGRATIONS);
      expect(schemaVersion(sql)).toBe(DIRECTORY_MIGRATIONS.length);
      expect(await instance.instanceSummary()).toEqual({ users: 1, peers: 0, contactAccountId: "7", localPosts: 0, activeMonth: 0, activeHalfyear: 0 });
      expect(await instance.weeklyActivity([monday])).toEqual([{ statuses: 0, logins: 0, registrations: 1 }]);
      expect(await instance.customEmojis()).toEqual([]);
      expect(await instance.peers()).toEqual([]);
    });
  });
});
