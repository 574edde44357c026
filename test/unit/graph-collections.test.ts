import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate } from "../../objects/migrations";
import { addProfileColumns } from "../../objects/directory/profiles";
import { MIGRATIONS as DIRECTORY_MIGRATIONS, type DirectoryObject } from "../../objects/directory/directory-object";
import { expectSchema } from "./openapi";
import { issueToken, type TestUser } from "./helpers";
import { eventually, follow, get, links, pathOf, post, send, user } from "./graph-helpers";

async function ids(res: Response): Promise<string[]> {
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as any[];
  for (const a of body) expectSchema(a, "Account");
  return body.map((a) => a.id);
}

async function setProfile(u: TestUser, changes: Record<string, unknown>): Promise<void> {
  const res = await send("PATCH", "/api/v1/accounts/update_credentials", u.token, changes);
  expect(res.status).toBe(200);
}

describe("GET /api/v1/accounts/:id/followers and /following", () => {
  it("lists accepted follows newest first, to anyone, with Link paging", async () => {
    const star = await user("star");
    const fans = [await user("fan"), await user("fan"), await user("fan")];
    for (const f of fans) await follow(f, star);
    await follow(star, fans[0]);
    const first = await get(`/api/v1/accounts/${star.id}/followers?limit=2`);
    expect(await ids(first)).toEqual([fans[2].id, fans[1].id]);
    expect(await ids(await get(pathOf(links(first).next!)))).toEqual([fans[0].id]);
    expect(await ids(await get(`/api/v1/accounts/${star.id}/following`, fans[1].token))).toEqual([fans[0].id]);
    expect(await ids(await get(`/api/v1/accounts/${fans[0].id}/following`))).toEqual([star.id]);
  });

  it("leaves out requests that are not accepted", async () => {
    const [a, b] = [await user("qa"), await user("qb")];
    await setProfile(b, { locked: true });
    await follow(a, b);
    expect(await ids(await get(`/api/v1/accounts/${b.id}/followers`))).toEqual([]);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/following`))).toEqual([]);
  });

  it("hides collections from others when hide_collections is set, not from the owner", async () => {
    const [a, b] = [await user("hca"), await user("hcb")];
    await follow(b, a);
    await follow(a, b);
    await setProfile(a, { hide_collections: true });
    expect(await ids(await get(`/api/v1/accounts/${a.id}/followers`))).toEqual([]);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/following`, b.token))).toEqual([]);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/followers`, a.token))).toEqual([b.id]);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/following`, a.token))).toEqual([b.id]);
  });

  it("shows nothing to an account it blocks; 404 for unknown accounts", async () => {
    const [a, b, c] = [await user("cba"), await user("cbb"), await user("cbc")];
    await follow(c, a);
    await post(`/api/v1/accounts/${b.id}/block`, a.token);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/followers`, b.token))).toEqual([]);
    expect(await ids(await get(`/api/v1/accounts/${a.id}/followers`))).toEqual([c.id]);
    expect((await get("/api/v1/accounts/33333333333/followers")).status).toBe(404);
    expect((await get("/api/v1/accounts/nope/following")).status).toBe(404);
  });
});

describe("GET /api/v1/accounts/familiar_followers", () => {
  it("lists accounts the viewer follows that follow each target", async () => {
    const [me, target, other, friend, shy] = [await user("ffme"), await user("fft"), await user("ffo"), await user("fff"), await user("ffs")];
    await follow(me, friend);
    await follow(me, shy);
    await follow(friend, target);
    await follow(shy, target);
    const familiar = async () => {
      const res = await get(`/api/v1/accounts/familiar_followers?id[]=${target.id}&id[]=${other.id}&id[]=22222222222`, me.token);
      expect(res.status).toBe(200);
      const body = (await res.json()) as any[];
      for (const entry of body) expectSchema(entry, "FamiliarFollowers");
      return body.map((e) => [e.id, e.accounts.map((a: any) => a.id).sort()]);
    };
    expect(await familiar()).toEqual([
      [target.id, [friend.id, shy.id].sort()],
      [other.id, []],
    ]);
    // An account hiding its collections is left out; the change reaches the viewer's copy of it.
    await setProfile(shy, { hide_collections: true });
    await eventually(async () => {
      expect(await familiar()).toEqual([
        [target.id, [friend.id]],
        [other.id, []],
      ]);
    });
  });

  it("profile changes reach the copies other accounts keep (lists of followers, following...)", async () => {
    const [a, b] = [await user("pca"), await user("pcb")];
    await follow(a, b);
    await setProfile(b, { display_name: "Renamed B" });
    await eventually(async () => {
      const following = (await (await get(`/api/v1/accounts/${a.id}/following`)).json()) as any[];
      expect(following.map((x) => x.display_name)).toEqual(["Renamed B"]);
    });
    await setProfile(a, { display_name: "Renamed A" });
    await eventually(async () => {
      const followers = (await (await get(`/api/v1/accounts/${b.id}/followers`)).json()) as any[];
      expect(followers.map((x) => x.display_name)).toEqual(["Renamed A"]);
    });
  });

  it("is empty for a target hiding its collections; needs read:follows", async () => {
    const [me, target, friend] = [await user("fhme"), await user("fht"), await user("fhf")];
    await follow(me, friend);
    await follow(friend, target);
    await setProfile(target, { hide_collections: true });
    const body = (await (await get(`/api/v1/accounts/familiar_followers?id=${target.id}`, me.token)).json()) as any[];
    expect(body).toEqual([{ id: target.id, accounts: [] }]);
    expect((await get(`/api/v1/accounts/familiar_followers?id=${target.id}`, await issueToken(me.id, ["read:blocks"]))).status).toBe(403);
  });
});

describe("GET /api/v1/accounts/search", () => {
  it("finds local accounts by username (exact first) and by display name", async () => {
    const me = await user("seeker");
    const stem = `zq${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
    const exact = await user(stem);
    const longer = await user(`${stem}x`);
    const byName = await user("plain");
    await setProfile(byName, { display_name: `Captain ${stem}` });
    const exactName = exact.username;
    expect((await ids(await get(`/api/v1/accounts/search?q=${exactName}`, me.token)))[0]).toBe(exact.id);
    expect((await ids(await get(`/api/v1/accounts/search?q=@${exactName}`, me.token)))[0]).toBe(exact.id);
    await eventually(async () => {
      const found = await ids(await get(`/api/v1/accounts/search?q=${stem}&limit=10`, me.token));
      expect(found).toEqual(expect.arrayContaining([exact.id, longer.id, byName.id]));
      expect(found.indexOf(exact.id)).toBeLessThan(found.indexOf(byName.id));
    });
    const paged = await ids(await get(`/api/v1/accounts/search?q=${stem}&limit=1&offset=1`, me.token));
    expect(paged).toHaveLength(1);
    expect(await ids(await get(`/api/v1/accounts/search?q=${exactName}@elsewhere.example`, me.token))).toEqual([]);
    expect((await ids(await get(`/api/v1/accounts/search?q=${exactName}@pronghorn.test`, me.token)))[0]).toBe(exact.id);
    expect(await ids(await get(`/api/v1/accounts/search?q=`, me.token))).toEqual([]);
  });

  it("following=true searches only the viewer's follows; blocked accounts never show", async () => {
    const stem = `fw${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
    const me = await user("fseek");
    const followed = await user(`${stem}a`);
    const notFollowed = await user(`${stem}b`);
    const blocker = await user(`${stem}c`);
    await follow(me, followed);
    expect(await ids(await get(`/api/v1/accounts/search?q=${stem}&following=true`, me.token))).toEqual([followed.id]);
    await post(`/api/v1/accounts/${me.id}/block`, blocker.token);
    const all = await ids(await get(`/api/v1/accounts/search?q=${stem}`, me.token));
    expect(all.sort()).toEqual([followed.id, notFollowed.id].sort());
  });

  it("needs a token with read:accounts", async () => {
    const me = await user("sauth");
    expect((await get("/api/v1/accounts/search?q=x")).status).toBe(401);
    expect((await get("/api/v1/accounts/search?q=x", await issueToken(me.id, ["write"]))).status).toBe(403);
  });
});

describe("GET /api/v1/directory", () => {
  it("lists discoverable accounts, newest first with order=new, without the undiscoverable", async () => {
    const me = await user("dme");
    const older = await user("dold");
    const newer = await user("dnew");
    const hidden = await user("dhid");
    await setProfile(hidden, { discoverable: false });
    await eventually(async () => {
      const found = await ids(await get("/api/v1/directory?order=new&limit=80", me.token));
      expect(found).not.toContain(hidden.id);
      expect(found.indexOf(newer.id)).toBeGreaterThanOrEqual(0);
      expect(found.indexOf(newer.id)).toBeLessThan(found.indexOf(older.id));
    });
    const offset = await ids(await get("/api/v1/directory?order=new&limit=1&offset=1", me.token));
    expect(offset).toHaveLength(1);
    // Anonymous readers get the same list (cached briefly).
    expect((await ids(await get("/api/v1/directory?order=new&limit=79"))).length).toBeGreaterThan(0);
  });

  it("order=active puts recently posting accounts first; blocked and muted accounts are left out", async () => {
    const me = await user("dact");
    const poster = await user("dpost");
    const muted = await user("dmute");
    // Posting sends the account's snapshot (with last_status_at) to the directory.
    expect((await post("/api/v1/statuses", poster.token, { status: "hello directory" })).status).toBe(200);
    await post(`/api/v1/accounts/${muted.id}/mute`, me.token);
    await eventually(async () => {
      const found = await ids(await get("/api/v1/directory?order=active&limit=80", me.token));
      expect(found[0]).toBe(poster.id);
      expect(found).not.toContain(muted.id);
    });
  });
});

describe("directory profile columns (migration)", () => {
  it("a directory created before the profile columns keeps its accounts and gains the columns", async () => {
    const stub = env.DIRECTORY.get(env.DIRECTORY.newUniqueId());
    await runInDurableObject(stub, async (instance: DirectoryObject, state) => {
      const sql = state.storage.sql;
      for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray()) {
        sql.exec(`DROP TABLE "${name}"`);
      }
      const before = DIRECTORY_MIGRATIONS.indexOf(addProfileColumns);
      expect(before).toBeGreaterThan(0);
      migrate(state.storage, DIRECTORY_MIGRATIONS.slice(0, before));
      sql.exec(
        "INSERT INTO accounts (id, username, username_lower, email_lower, state, created_at) VALUES ('7', 'Old', 'old', 'old@example.com', 'active', '2024-01-01T00:00:00.000Z')",
      );
      expect(migrate(state.storage, DIRECTORY_MIGRATIONS)).toBe(DIRECTORY_MIGRATIONS.length);
      expect(sql.exec("SELECT username, snapshot, followers_count FROM accounts").one()).toEqual({ username: "Old", snapshot: null, followers_count: 0 });
      // Not listed until its account object sends a snapshot.
      expect(await instance.searchAccounts({ term: "old", limit: 5, offset: 0, exclude: [] })).toEqual([]);
    });
  });
});
