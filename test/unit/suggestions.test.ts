import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { expectError, getJson, newUser, post, send } from "./status-helpers";
import { follow } from "./timelines-helpers";

describe("follow suggestions", () => {
  it("suggests friends of friends and active accounts, never the followed, blocked or dismissed", async () => {
    const [me, friend, fof, active, blocked] = [await newUser("me"), await newUser("friend"), await newUser("fof"), await newUser("active"), await newUser("blocked")];
    await follow(me, friend);
    await follow(friend, fof);
    await post(active, { status: "I post, so I am active" });
    await post(blocked, { status: "me too" });
    expect((await send("POST", `/api/v1/accounts/${blocked.id}/block`, me.token)).status).toBe(200);

    const v2 = await getJson("/api/v2/suggestions?limit=80", me.token);
    expect(v2.status).toBe(200);
    const ids = v2.body.map((s: any) => s.account.id);
    expect(ids).toContain(fof.id);
    expect(ids).toContain(active.id);
    for (const never of [me.id, friend.id, blocked.id]) expect(ids).not.toContain(never);
    const first = v2.body.find((s: any) => s.account.id === fof.id);
    expectSchema(first, "Suggestion");
    expect(first.sources).toContain("friends_of_friends");
    expect(ids[0]).toBe(fof.id);

    const v1 = await getJson("/api/v1/suggestions", me.token);
    expect(v1.status).toBe(200);
    expectSchema(v1.body[0], "Account");
    expect(v1.body.map((a: any) => a.id)).toContain(fof.id);

    const dismissed = await send("DELETE", `/api/v1/suggestions/${fof.id}`, me.token);
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toEqual({});
    const after = await getJson("/api/v2/suggestions?limit=80", me.token);
    expect(after.body.map((s: any) => s.account.id)).not.toContain(fof.id);
    expect((await getJson("/api/v2/suggestions?limit=1", me.token)).body.length).toBeLessThanOrEqual(1);
  });

  it("needs a user token", async () => {
    expectError(await getJson("/api/v1/suggestions"), 401);
    expectError(await getJson("/api/v2/suggestions"), 401);
    expectError(await send("DELETE", "/api/v1/suggestions/1", null), 401);
  });
});
