import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, bearer } from "./helpers";
import { expectSchema } from "./openapi";
import { accountStub, call, follow, get, publish, users } from "./timelines-helpers";
import type { AccountObject } from "../../objects/account/account-object";

describe("filters v2: CRUD", () => {
  it("creates a filter with keywords, edits them with keywords_attributes, deletes it", async () => {
    const [u] = await users("filters");
    const created = await call("POST", "/api/v2/filters", u.token, {
      title: "Spoilers",
      context: ["home", "public"],
      filter_action: "warn",
      expires_in: 3600,
      keywords_attributes: [{ keyword: "finale", whole_word: true }, { keyword: "ending", whole_word: false }],
    });
    expect(created.status).toBe(200);
    expectSchema(created.body, "Filter");
    expect(created.body).toMatchObject({ title: "Spoilers", context: ["home", "public"], filter_action: "warn", statuses: [] });
    expect(Date.parse(created.body.expires_at) - Date.now()).toBeGreaterThan(3500_000);
    expect(created.body.keywords.map((k: any) => [k.keyword, k.whole_word])).toEqual([["finale", true], ["ending", false]]);
    const [finale, ending] = created.body.keywords;

    const updated = await call("PUT", `/api/v2/filters/${created.body.id}`, u.token, {
      title: "Spoilers!",
      filter_action: "hide",
      expires_in: "",
      keywords_attributes: [{ id: finale.id, _destroy: true }, { id: ending.id, keyword: "the end" }, { keyword: "twist" }],
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ title: "Spoilers!", filter_action: "hide", expires_at: null, context: ["home", "public"] });
    expect(updated.body.keywords.map((k: any) => k.keyword)).toEqual(["the end", "twist"]);

    const list = await get("/api/v2/filters", u.token);
    expect(list.body.map((f: any) => f.id)).toEqual([created.body.id]);
    for (const f of list.body) expectSchema(f, "Filter");
    expect((await get(`/api/v2/filters/${created.body.id}`, u.token)).body.title).toBe("Spoilers!");

    expect((await call("DELETE", `/api/v2/filters/${created.body.id}`, u.token)).body).toEqual({});
    expect((await get(`/api/v2/filters/${created.body.id}`, u.token)).status).toBe(404);
    expect((await get("/api/v2/filters", u.token)).body).toEqual([]);
  });

  it("accepts form bodies with Rails brackets", async () => {
    const [u] = await users("filters");
    const res = await api("/api/v2/filters", {
      method: "POST",
      headers: bearer(u.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: "title=Form&context[]=notifications&keywords_attributes[][keyword]=one&keywords_attributes[][whole_word]=false&keywords_attributes[][keyword]=two",
    });
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expect(body.context).toEqual(["notifications"]);
    expect(body.keywords.map((k: any) => [k.keyword, k.whole_word])).toEqual([["one", false], ["two", true]]);
  });

  it("manages keywords and statuses as sub-resources", async () => {
    const [u] = await users("filters");
    const f = (await call("POST", "/api/v2/filters", u.token, { title: "Sub", context: ["home"] })).body;
    const kw = await call("POST", `/api/v2/filters/${f.id}/keywords`, u.token, { keyword: "word", whole_word: false });
    expect(kw.status).toBe(200);
    expectSchema(kw.body, "FilterKeyword");
    expect((await get(`/api/v2/filters/${f.id}/keywords`, u.token)).body).toEqual([kw.body]);
    expect((await get(`/api/v2/filters/keywords/${kw.body.id}`, u.token)).body).toEqual(kw.body);
    const changed = await call("PUT", `/api/v2/filters/keywords/${kw.body.id}`, u.token, { keyword: "words" });
    expect(changed.body).toEqual({ ...kw.body, keyword: "words" });
    expect((await call("DELETE", `/api/v2/filters/keywords/${kw.body.id}`, u.token)).body).toEqual({});
    expect((await get(`/api/v2/filters/keywords/${kw.body.id}`, u.token)).status).toBe(404);

    const st = await call("POST", `/api/v2/filters/${f.id}/statuses`, u.token, { status_id: "109031743575371913" });
    expect(st.status).toBe(200);
    expectSchema(st.body, "FilterStatus");
    expect((await get(`/api/v2/filters/${f.id}/statuses`, u.token)).body).toEqual([st.body]);
    expect((await get(`/api/v2/filters/statuses/${st.body.id}`, u.token)).body).toEqual(st.body);
    expect((await call("POST", `/api/v2/filters/${f.id}/statuses`, u.token, { status_id: "109031743575371913" })).status).toBe(422);
    expect((await call("DELETE", `/api/v2/filters/statuses/${st.body.id}`, u.token)).body).toEqual({});
    expect((await get(`/api/v2/filters/${f.id}`, u.token)).body.statuses).toEqual([]);
  });

  it("validates input with 422s naming the field, and scopes", async () => {
    const [u, other] = await users("filters", "other");
    const noTitle = await call("POST", "/api/v2/filters", u.token, { context: ["home"] });
    expect(noTitle.status).toBe(422);
    expect(noTitle.body.error).toMatch(/Title/);
    const noContext = await call("POST", "/api/v2/filters", u.token, { title: "x" });
    expect(noContext.body.error).toMatch(/Context/);
    expect((await call("POST", "/api/v2/filters", u.token, { title: "x", context: ["everywhere"] })).status).toBe(422);
    expect((await call("POST", "/api/v2/filters", u.token, { title: "x", context: ["home"], filter_action: "explode" })).status).toBe(422);
    expect((await call("POST", "/api/v2/filters", u.token, { title: "x", context: ["home"], expires_in: "soon" })).status).toBe(422);
    const blankKw = await call("POST", "/api/v2/filters", u.token, { title: "x", context: ["home"], keywords_attributes: [{ keyword: " " }] });
    expect(blankKw.status).toBe(422);
    expect((await get("/api/v2/filters", u.token)).body).toEqual([]);
    const f = (await call("POST", "/api/v2/filters", u.token, { title: "mine", context: ["home"] })).body;
    expect((await get(`/api/v2/filters/${f.id}`, other.token)).status).toBe(404);
    expect((await call("PUT", `/api/v2/filters/${f.id}`, u.token, { keywords_attributes: [{ id: "1", keyword: "x" }] })).status).toBe(404);
    expect((await get("/api/v2/filters/abc", u.token)).status).toBe(404);
    const { issueToken } = await import("./helpers");
    const readOnly = await issueToken(u.id, ["read:filters"]);
    expect((await get("/api/v2/filters", readOnly)).status).toBe(200);
    expect((await call("POST", "/api/v2/filters", readOnly, { title: "x", context: ["home"] })).status).toBe(403);
  });
});

describe("filters v1 (read-compatible)", () => {
  it("shows each keyword as a V1Filter, and writes through v1 too", async () => {
    const [u] = await users("v1filters");
    const f = (
      await call("POST", "/api/v2/filters", u.token, {
        title: "T",
        context: ["home", "thread"],
        filter_action: "hide",
        keywords_attributes: [{ keyword: "alpha" }, { keyword: "beta", whole_word: false }],
      })
    ).body;
    const list = await get("/api/v1/filters", u.token);
    expect(list.body.map((x: any) => [x.id, x.phrase, x.irreversible, x.whole_word])).toEqual([
      [f.keywords[0].id, "alpha", true, true],
      [f.keywords[1].id, "beta", true, false],
    ]);
    for (const x of list.body) expectSchema(x, "V1Filter");
    expect((await get(`/api/v1/filters/${f.keywords[1].id}`, u.token)).body.context).toEqual(["home", "thread"]);

    const created = await call("POST", "/api/v1/filters", u.token, { phrase: "gamma", context: ["public"], irreversible: false });
    expect(created.status).toBe(200);
    expectSchema(created.body, "V1Filter");
    const updated = await call("PUT", `/api/v1/filters/${created.body.id}`, u.token, { phrase: "delta", context: ["public", "notifications"] });
    expect(updated.body).toMatchObject({ phrase: "delta", context: ["public", "notifications"], irreversible: false });
    expect((await call("DELETE", `/api/v1/filters/${created.body.id}`, u.token)).body).toEqual({});
    expect((await get("/api/v2/filters", u.token)).body.map((x: any) => x.title)).toEqual(["T"]);
    expect((await call("POST", "/api/v1/filters", u.token, { context: ["home"] })).status).toBe(422);
  });
});

describe("filters applied", () => {
  it("warns with `filtered` or hides, per context, in home, public and notifications", async () => {
    const [author, reader] = await users("filtered_author", "reader");
    await follow(reader, author);
    const warn = (await call("POST", "/api/v2/filters", reader.token, { title: "Warn", context: ["home"], keywords_attributes: [{ keyword: "spoiler" }] })).body;
    await call("POST", "/api/v2/filters", reader.token, { title: "Hide", context: ["home", "notifications"], filter_action: "hide", keywords_attributes: [{ keyword: "hidden" }] });
    const warned = await publish(author, { status: "big SPOILER ahead" }, [reader]);
    const hidden = await publish(author, { status: "totally hidden thing" }, [reader]);
    const partial = await publish(author, { status: "spoilers are not whole words" }, [reader]);
    const mention = await publish(author, { status: `@${reader.username} hidden mention` }, [reader]);

    const home = (await get("/api/v1/timelines/home", reader.token)).body;
    const ids = home.map((s: any) => s.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(mention.id);
    const entry = home.find((s: any) => s.id === warned.id);
    expect(entry.filtered).toHaveLength(1);
    expect(entry.filtered[0]).toMatchObject({ keyword_matches: ["spoiler"], status_matches: null });
    expect(entry.filtered[0].filter.id).toBe(warn.id);
    expect(entry.filtered[0].filter.keywords).toBeUndefined();
    expectSchema(entry, "Status");
    expectSchema(entry.filtered[0], "FilterResult");
    expect(home.find((s: any) => s.id === partial.id).filtered).toEqual([]);

    // The filters are for home only: the public timeline is untouched.
    const pub = (await get("/api/v1/timelines/public?limit=40", reader.token)).body;
    expect(pub.find((s: any) => s.id === hidden.id)?.filtered).toEqual([]);
    // In notifications the hide filter drops the mention.
    const notes = (await get("/api/v1/notifications", reader.token)).body;
    expect(notes.map((n: any) => n.status?.id)).not.toContain(mention.id);

    // A status filter matches by id.
    const byStatus = (await call("POST", "/api/v2/filters", reader.token, { title: "That one", context: ["public"] })).body;
    await call("POST", `/api/v2/filters/${byStatus.id}/statuses`, reader.token, { status_id: warned.id });
    const pub2 = (await get("/api/v1/timelines/public?limit=40", reader.token)).body;
    expect(pub2.find((s: any) => s.id === warned.id).filtered[0]).toMatchObject({ status_matches: [warned.id], keyword_matches: null });
  });

  it("stops applying an expired filter", async () => {
    const [author, reader] = await users("expiring_author", "reader");
    await follow(reader, author);
    const f = (await call("POST", "/api/v2/filters", reader.token, { title: "Soon over", context: ["home"], filter_action: "hide", expires_in: 60, keywords_attributes: [{ keyword: "ephemeral" }] })).body;
    const s = await publish(author, { status: "ephemeral words" }, [reader]);
    expect((await get("/api/v1/timelines/home", reader.token)).body.map((x: any) => x.id)).not.toContain(s.id);
    await runInDurableObject(accountStub(reader.id), (o: AccountObject) => {
      o.sql.exec("UPDATE filters SET expires_at = ? WHERE id = ?", new Date(Date.now() - 1000).toISOString(), f.id);
    });
    expect((await get("/api/v1/timelines/home", reader.token)).body.map((x: any) => x.id)).toContain(s.id);
  });
});
