import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { call, get, linkParam, post, publish, settle, users } from "./timelines-helpers";

describe("conversations", () => {
  it("gathers direct messages per thread for every participant", async () => {
    const [a, b, c, outsider] = await users("dm_a", "dm_b", "dm_c", "dm_out");
    const first = await publish(a, { status: `@${b.username} @${c.username} secret plan`, visibility: "direct" }, [b, c]);

    const ofB = await get("/api/v1/conversations", b.token);
    expect(ofB.body).toHaveLength(1);
    expectSchema(ofB.body[0], "Conversation");
    expect(ofB.body[0].unread).toBe(true);
    expect(ofB.body[0].last_status.id).toBe(first.id);
    expect(ofB.body[0].accounts.map((x: any) => x.id).sort()).toEqual([a.id, c.id].sort());

    const ofA = await get("/api/v1/conversations", a.token);
    expect(ofA.body[0].unread).toBe(false);
    expect(ofA.body[0].accounts.map((x: any) => x.id).sort()).toEqual([b.id, c.id].sort());
    expect((await get("/api/v1/conversations", outsider.token)).body).toEqual([]);

    const reply = await publish(b, { status: `@${a.username} @${c.username} count me in`, visibility: "direct", in_reply_to_id: first.id }, [a, c]);
    const again = await get("/api/v1/conversations", a.token);
    expect(again.body).toHaveLength(1);
    expect(again.body[0].id).toBe(ofA.body[0].id);
    expect(again.body[0].last_status.id).toBe(reply.id);
    expect(again.body[0].unread).toBe(true);

    const read = await call("POST", `/api/v1/conversations/${again.body[0].id}/read`, a.token);
    expect(read.status).toBe(200);
    expect(read.body.unread).toBe(false);
    expectSchema(read.body, "Conversation");
    expect((await get("/api/v1/conversations", a.token)).body[0].unread).toBe(false);

    // Deleting the last message falls back to the one before.
    await call("DELETE", `/api/v1/statuses/${reply.id}`, b.token);
    await settle([a, b, c]);
    expect((await get("/api/v1/conversations", c.token)).body[0].last_status.id).toBe(first.id);

    expect((await call("DELETE", `/api/v1/conversations/${again.body[0].id}`, a.token)).body).toEqual({});
    expect((await get("/api/v1/conversations", a.token)).body).toEqual([]);
    expect((await call("DELETE", `/api/v1/conversations/${again.body[0].id}`, a.token)).status).toBe(404);
    expect((await call("POST", "/api/v1/conversations/123/read", a.token)).status).toBe(404);
  });

  it("pages by last status with Link headers", async () => {
    const [me, ...others] = await users("dm_me", "dm_1", "dm_2", "dm_3");
    const sent = [];
    for (const o of others) sent.unshift(await post(me, { status: `@${o.username} hi`, visibility: "direct" }));
    await settle([me, ...others]);
    const first = await get("/api/v1/conversations?limit=2", me.token);
    expect(first.body.map((x: any) => x.last_status.id)).toEqual([sent[0].id, sent[1].id]);
    expect(linkParam(first.link, "next")).toBe(sent[1].id);
    const rest = await get(`/api/v1/conversations?limit=2&max_id=${sent[1].id}`, me.token);
    expect(rest.body.map((x: any) => x.last_status.id)).toEqual([sent[2].id]);
    expect((await get("/api/v1/conversations")).status).toBe(401);
  });
});
