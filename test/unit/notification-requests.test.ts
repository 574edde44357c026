import { describe, expect, it } from "vitest";
import { api, bearer, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, newUser } from "./status-helpers";

describe("notification policy and requests (no filtering: everything is accepted)", () => {
  it("reads the policy as accept everywhere, accepts accept and refuses what it cannot honour", async () => {
    const me = await newUser("policy");
    const res = await api("/api/v2/notifications/policy", { headers: bearer(me.token) });
    const body: any = await res.json();
    expect(res.status).toBe(200);
    expectSchema(body, "NotificationPolicy");
    expect(body).toMatchObject({ for_not_following: "accept", for_private_mentions: "accept", summary: { pending_requests_count: 0 } });
    const accepted = await api("/api/v2/notifications/policy", jsonBody("PATCH", { for_not_following: "accept" }, me.token));
    expect(accepted.status).toBe(200);
    for (const value of ["filter", "drop", "maybe"]) {
      const refused = await api("/api/v2/notifications/policy", jsonBody("PATCH", { for_new_accounts: value }, me.token));
      expectError({ status: refused.status, body: await refused.json() }, 422, /for_new_accounts/);
    }
    expect((await api("/api/v2/notifications/policy")).status).toBe(401);
  });

  it("lists no requests; a request id is unknown; bulk actions and merged answer as Mastodon", async () => {
    const me = await newUser("policy");
    const get = (path: string) => api(path, { headers: bearer(me.token) });
    expect(await (await get("/api/v1/notifications/requests")).json()).toEqual([]);
    expect(await (await get("/api/v1/notifications/requests/merged")).json()).toEqual({ merged: true });
    expect((await get("/api/v1/notifications/requests/123")).status).toBe(404);
    expect((await api("/api/v1/notifications/requests/123/accept", jsonBody("POST", {}, me.token))).status).toBe(404);
    const bulk = await api("/api/v1/notifications/requests/dismiss", jsonBody("POST", { id: ["1", "2"] }, me.token));
    expect([bulk.status, await bulk.json()]).toEqual([200, {}]);
    // Real notifications are still reached by id.
    expect((await get("/api/v1/notifications/999")).status).toBe(404);
  });
});
