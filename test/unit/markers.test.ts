import { describe, expect, it } from "vitest";
import { api, bearer } from "./helpers";
import { expectSchema } from "./openapi";
import { call, get, users } from "./timelines-helpers";

describe("markers", () => {
  it("saves home and notifications positions with an increasing version", async () => {
    const [u] = await users("marker");
    expect((await get("/api/v1/markers?timeline[]=home&timeline[]=notifications", u.token)).body).toEqual({});

    const form = await api("/api/v1/markers", {
      method: "POST",
      headers: bearer(u.token, { "content-type": "application/x-www-form-urlencoded" }),
      body: "home[last_read_id]=103194548672408537",
    });
    expect(form.status).toBe(200);
    const saved = await form.json<any>();
    expect(Object.keys(saved)).toEqual(["home"]);
    expect(saved.home).toMatchObject({ last_read_id: "103194548672408537", version: 0 });
    expectSchema(saved.home, "Marker");
    expect(saved.home.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const both = await call("POST", "/api/v1/markers", u.token, { home: { last_read_id: "103194548672408538" }, notifications: { last_read_id: "5" } });
    expect(both.body.home.version).toBe(1);
    expect(both.body.notifications).toMatchObject({ last_read_id: "5", version: 0 });

    const read = await get("/api/v1/markers?timeline[]=home&timeline[]=notifications", u.token);
    expect(read.body.home.last_read_id).toBe("103194548672408538");
    for (const m of Object.values(read.body)) expectSchema(m, "Marker");
    expect(Object.keys((await get("/api/v1/markers?timeline[]=notifications", u.token)).body)).toEqual(["notifications"]);
    expect(Object.keys((await get("/api/v1/markers?timeline=home", u.token)).body)).toEqual(["home"]);
  });

  it("refuses bad input and missing tokens", async () => {
    const [u] = await users("marker");
    const bad = await call("POST", "/api/v1/markers", u.token, { home: { last_read_id: "abc" } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatch(/Home/);
    expect((await call("POST", "/api/v1/markers", u.token, { home: "x" })).status).toBe(422);
    expect((await get("/api/v1/markers")).status).toBe(401);
  });
});
