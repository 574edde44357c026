import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { api, bearer, registerUser, uniqueName } from "./helpers";
import { expectError, getJson, inObject, newUser, runJobs, send } from "./status-helpers";

const create = (token: string | null, body: Record<string, unknown>) => send("POST", "/api/v1/collections", token, body);

describe("featured collections", () => {
  it("creates a collection with accounts, shows it with their accounts, lists it on the profile", async () => {
    const [me, a, b] = [await newUser("curator"), await newUser("feata"), await newUser("featb")];
    const res = await create(me.token, { name: "  Good people ", description: "Follow them", language: "EN", sensitive: false, tag_name: "#Fediverse", account_ids: [a.id, b.id] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const collection = res.body.collection;
    expectSchema(collection, "Collection");
    expect(collection).toMatchObject({ name: "Good people", description: "Follow them", language: "en", account_id: me.id, local: true, discoverable: true, sensitive: false, item_count: 2 });
    expect(collection.tag).toEqual({ name: "Fediverse", url: "https://pronghorn.test/tags/Fediverse" });
    expect(collection.items.map((i: any) => [i.account_id, i.state])).toEqual([[a.id, "accepted"], [b.id, "accepted"]]);
    expectSchema(collection.items[0], "CollectionItem");

    const shown = await getJson(`/api/v1/collections/${collection.id}`);
    expect(shown.status).toBe(200);
    expectSchema(shown.body, "CollectionWithAccounts");
    expect(shown.body.accounts.map((x: any) => x.id).sort()).toEqual([me.id, a.id, b.id].sort());

    const listed = await getJson(`/api/v1/accounts/${me.id}/collections`, a.token);
    expect(listed.status).toBe(200);
    expect(listed.body.collections.map((c: any) => c.id)).toEqual([collection.id]);
    for (const c of listed.body.collections) expectSchema(c, "Collection");
  });

  it("updates, adds and removes items, deletes; only the owner may", async () => {
    const [me, other, x, y] = [await newUser("owner"), await newUser("notowner"), await newUser("itemx"), await newUser("itemy")];
    const id = (await create(me.token, { name: "Mine" })).body.collection.id;
    const updated = await send("PATCH", `/api/v1/collections/${id}`, me.token, { name: "Renamed", discoverable: false, tag_name: "" });
    expect(updated.status).toBe(200);
    expectSchema(updated.body.collection, "Collection");
    expect(updated.body.collection).toMatchObject({ name: "Renamed", discoverable: false, tag: null, items: [] });
    expect((await send("PUT", `/api/v1/collections/${id}`, me.token, { sensitive: true })).body.collection).toMatchObject({ name: "Renamed", sensitive: true });

    const added = await send("POST", `/api/v1/collections/${id}/items`, me.token, { account_id: x.id });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expectSchema(added.body.collection_item, "CollectionItem");
    expect(added.body.collection_item).toMatchObject({ account_id: x.id, state: "accepted" });
    expectError(await send("POST", `/api/v1/collections/${id}/items`, me.token, { account_id: x.id }), 422, /taken/);
    expectError(await send("POST", `/api/v1/collections/${id}/items`, me.token, {}), 422, /account_id/);
    expectError(await send("POST", `/api/v1/collections/${id}/items`, me.token, { account_id: "999999999" }), 404);
    expectError(await send("POST", `/api/v1/collections/${id}/items`, other.token, { account_id: y.id }), 403);
    expectError(await send("PATCH", `/api/v1/collections/${id}`, other.token, { name: "Mine now" }), 403);
    expectError(await send("DELETE", `/api/v1/collections/${id}`, other.token), 403);
    expectError(await send("PATCH", `/api/v1/collections/123`, me.token, { name: "x" }), 404);

    // Not discoverable: only the owner sees it in the profile list.
    expect((await getJson(`/api/v1/accounts/${me.id}/collections`, other.token)).body.collections).toEqual([]);
    expect((await getJson(`/api/v1/accounts/${me.id}/collections`, me.token)).body.collections).toHaveLength(1);

    const removed = await send("DELETE", `/api/v1/collections/${id}/items/${added.body.collection_item.id}`, me.token);
    expect(removed).toEqual({ status: 200, body: {} });
    expect((await getJson(`/api/v1/collections/${id}`, me.token)).body.collection.items).toEqual([]);
    expectError(await send("DELETE", `/api/v1/collections/${id}/items/${added.body.collection_item.id}`, me.token), 404);

    expect(await send("DELETE", `/api/v1/collections/${id}`, me.token)).toEqual({ status: 200, body: {} });
    expectError(await getJson(`/api/v1/collections/${id}`, me.token), 404);
  });

  it("keeps Mastodon's limits: name 40, description 100, 25 items, a blank name refused", async () => {
    const me = await newUser("limits");
    const bad = await create(me.token, { name: "n".repeat(41), description: "d".repeat(101), language: "not a language" });
    expectError(bad, 422, /^Validation failed/);
    expect(Object.keys(bad.body.details).sort()).toEqual(["description", "language", "name"]);
    expect(bad.body.details.name[0].error).toBe("ERR_TOO_LONG");
    expect((await create(me.token, { name: "  " })).body.details.name[0].error).toBe("ERR_BLANK");
    expect((await create(me.token, {})).body.details.name[0].error).toBe("ERR_BLANK");
    const ids = await Promise.all(Array.from({ length: 26 }, () => registerUser(uniqueName("many")).then((u) => u.id)));
    expectError(await create(me.token, { name: "Too many", account_ids: ids }), 422, /maximum is 25/);
    const full = (await create(me.token, { name: "Full", account_ids: ids.slice(0, 25) })).body.collection;
    expect(full.item_count).toBe(25);
    expectError(await send("POST", `/api/v1/collections/${full.id}/items`, me.token, { account_id: ids[25] }), 422, /maximum is 25/);
    expect(await inObject(me.id, (o) => o.sql.exec("SELECT count(*) AS n FROM collections").one().n)).toBe(1);
  });

  it("refuses accounts that block or are blocked, and hides the collection from whom the owner blocks", async () => {
    const [me, blocker, blocked] = [await newUser("feat"), await newUser("blocker"), await newUser("blocked")];
    expect((await send("POST", `/api/v1/accounts/${me.id}/block`, blocker.token)).status).toBe(200);
    expectError(await create(me.token, { name: "x", account_ids: [blocker.id] }), 403);
    const id = (await create(me.token, { name: "Open" })).body.collection.id;
    expect((await send("POST", `/api/v1/accounts/${blocked.id}/block`, me.token)).status).toBe(200);
    expectError(await getJson(`/api/v1/collections/${id}`, blocked.token), 403);
    expect((await getJson(`/api/v1/accounts/${me.id}/collections`, blocked.token)).body).toEqual({ collections: [] });
  });

  it("leaves out, for a reader, the items whose account that reader blocks (the count stays)", async () => {
    const [me, reader, a, b] = [await newUser("curator2"), await newUser("reader"), await newUser("shown"), await newUser("hidden")];
    const id = (await create(me.token, { name: "Two", account_ids: [a.id, b.id] })).body.collection.id;
    expect((await send("POST", `/api/v1/accounts/${b.id}/block`, reader.token)).status).toBe(200);
    const shown = await getJson(`/api/v1/collections/${id}`, reader.token);
    expect(shown.body.collection.items.map((i: any) => i.account_id)).toEqual([a.id]);
    expect(shown.body.collection.item_count).toBe(2);
    expect(shown.body.accounts.map((x: any) => x.id)).not.toContain(b.id);
    const listed = await getJson(`/api/v1/accounts/${me.id}/collections`, reader.token);
    expect(listed.body.collections[0].items.map((i: any) => i.account_id)).toEqual([a.id]);
    expect((await getJson(`/api/v1/collections/${id}`)).body.collection.items).toHaveLength(2);
  });

  it("lets a featured account list where it is featured and revoke it", async () => {
    const [me, star, stranger] = [await newUser("curates"), await newUser("star"), await newUser("stranger")];
    const c = (await create(me.token, { name: "Stars", account_ids: [star.id] })).body.collection;
    await runJobs(me.id);
    const mine = await getJson(`/api/v1/accounts/${star.id}/in_collections`, star.token);
    expect(mine.status).toBe(200);
    expect(mine.body.collections.map((x: any) => x.id)).toEqual([c.id]);
    expectSchema(mine.body.collections[0], "Collection");
    expectError(await getJson(`/api/v1/accounts/${star.id}/in_collections`, stranger.token), 403);
    expectError(await getJson(`/api/v1/accounts/999999999/in_collections`, stranger.token), 404);
    expectError(await getJson(`/api/v1/accounts/${star.id}/in_collections`), 401);

    const itemId = c.items[0].id;
    expectError(await send("POST", `/api/v1/collections/${c.id}/items/${itemId}/revoke`, stranger.token), 403);
    expect(await send("POST", `/api/v1/collections/${c.id}/items/${itemId}/revoke`, star.token)).toEqual({ status: 200, body: {} });
    await runJobs(me.id);
    const after = await getJson(`/api/v1/collections/${c.id}`, me.token);
    expect(after.body.collection.items).toEqual([]);
    expect(after.body.collection.item_count).toBe(0);
    expect((await getJson(`/api/v1/accounts/${star.id}/in_collections`, star.token)).body.collections).toEqual([]);
    // Having taken itself out, it is not added back.
    expectError(await send("POST", `/api/v1/collections/${c.id}/items`, me.token, { account_id: star.id }), 422, /taken/);
  });

  it("shows a featured account's profile as it is now, not as it was when added", async () => {
    const [me, star] = [await newUser("fresh"), await newUser("renamed")];
    const id = (await create(me.token, { name: "Fresh", account_ids: [star.id] })).body.collection.id;
    await runJobs(me.id);
    expect((await send("PATCH", "/api/v1/accounts/update_credentials", star.token, { display_name: "New Star" })).status).toBe(200);
    await runJobs(star.id, 3);
    const shown = await getJson(`/api/v1/collections/${id}`);
    expect(shown.body.accounts.find((a: any) => a.id === star.id).display_name).toBe("New Star");
  });

  it("checks tokens and scopes; reads need none", async () => {
    const me = await newUser("scopes");
    const reader = (await registerUser(uniqueName("reader"), { scopes: ["read"] })).token;
    expectError(await create(null, { name: "x" }), 401);
    expectError(await create(null, { name: 5 }), 401);
    expectError(await create(reader, { name: 5 }), 403);
    expectError(await create(reader, { name: "x" }), 403);
    const granular = (await registerUser(uniqueName("granular"), { scopes: ["write:collections", "read:collections"] })).token;
    expect((await create(granular, { name: "Granular" })).status).toBe(200);
    expect((await getJson(`/api/v1/accounts/${me.id}/collections`)).status).toBe(200);
    expectError(await getJson(`/api/v1/accounts/999999999/collections`), 404);
    expectError(await getJson(`/api/v1/collections/abc`), 404);
  });

  it("pages a profile's collections by offset with a Link header", async () => {
    const me = await newUser("pages");
    for (const name of ["one", "two", "three"]) expect((await create(me.token, { name })).status).toBe(200);
    const first = await getJson(`/api/v1/accounts/${me.id}/collections?limit=2`);
    expect(first.body.collections.map((c: any) => c.name)).toEqual(["three", "two"]);
    expect(first.link).toContain("offset=2");
    const second = await getJson(`/api/v1/accounts/${me.id}/collections?limit=2&offset=2`);
    expect(second.body.collections.map((c: any) => c.name)).toEqual(["one"]);
    expect(second.link).toContain('rel="prev"');
  });

  it("answers bad input with a Mastodon-shaped 4xx and writes nothing", async () => {
    const me = await newUser("badinput");
    const c = (await create(me.token, { name: "x" })).body.collection;
    const cases: [string, string, string | null, number][] = [
      ["POST", "/api/v1/collections", '{"name":5}', 422],
      ["POST", "/api/v1/collections", '{"name":"a","account_ids":[1,2]}', 422],
      ["POST", "/api/v1/collections", '{"name":"a","account_ids":"123"}', 404],
      ["POST", "/api/v1/collections", '{"name":"a","sensitive":"maybe","tag_name":"#a b"}', 422],
      ["POST", "/api/v1/collections", "{", 400],
      ["POST", "/api/v1/collections", "[]", 400],
      ["PATCH", `/api/v1/collections/${c.id}`, '{"language":5,"name":null}', 422],
      ["POST", `/api/v1/collections/${c.id}/items`, '{"account_id":["1"]}', 404],
      ["POST", `/api/v1/collections/${c.id}/items`, '{"account_id":"abc"}', 404],
      ["DELETE", `/api/v1/collections/${c.id}/items/abc`, null, 404],
      ["POST", "/api/v1/collections/99999999999999999999/items/1/revoke", null, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await api(path, { method, headers: bearer(me.token, body ? { "content-type": "application/json" } : {}), body });
      const json: any = await res.json();
      expect(res.status, `${method} ${path} ${body}: ${JSON.stringify(json)}`).toBe(status);
      expect(typeof json.error).toBe("string");
    }
    expect(await inObject(me.id, (o) => o.sql.exec("SELECT count(*) AS n FROM collections").one().n)).toBe(1);
    // Paging values read as Rails' to_i: unreadable ones fall back, big ones are clamped.
    for (const query of ["limit=abc&offset=-5", "limit=100000000000000000000", "offset=x"]) {
      expect((await getJson(`/api/v1/accounts/${me.id}/collections?${query}`)).body.collections).toHaveLength(1);
    }
  });
});
