import { describe, expect, it } from "vitest";
import { expectSchema } from "./openapi";
import { expectError, getJson, inObject, newUser, postRaw, runJobs, send } from "./status-helpers";

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

describe("scheduled statuses", () => {
  it("schedules, lists, reschedules and cancels", async () => {
    const alice = await newUser("alice");
    const res = await postRaw(alice.token, { status: "later", scheduled_at: inMinutes(10), visibility: "unlisted", poll: { options: ["a", "b"], expires_in: 600 } });
    const scheduled: any = await res.json();
    expect(res.status, JSON.stringify(scheduled)).toBe(200);
    expectSchema(scheduled, "ScheduledStatus");
    expect(scheduled.params.text).toBe("later");
    expect(scheduled.params.visibility).toBe("unlisted");
    expect(scheduled.params.poll.options).toEqual(["a", "b"]);
    expect(scheduled.media_attachments).toEqual([]);
    // Nothing is posted yet.
    expect((await getJson(`/api/v1/accounts/${alice.id}/statuses`)).body).toEqual([]);

    const second: any = await (await postRaw(alice.token, { status: "even later", scheduled_at: inMinutes(20) })).json();
    const list = await getJson("/api/v1/scheduled_statuses?limit=1", alice.token);
    expect(list.status).toBe(200);
    expect(list.body.map((s: any) => s.id)).toEqual([second.id]);
    expect(list.link).toContain(`max_id=${second.id}`);
    for (const s of list.body) expectSchema(s, "ScheduledStatus");

    const one = await getJson(`/api/v1/scheduled_statuses/${scheduled.id}`, alice.token);
    expect(one.body).toEqual(scheduled);

    const later = inMinutes(60);
    const moved = await send("PUT", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token, { scheduled_at: later });
    expect(moved.status).toBe(200);
    expectSchema(moved.body, "ScheduledStatus");
    expect(moved.body.scheduled_at).toBe(later);
    expectError(await send("PUT", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token, { scheduled_at: inMinutes(1) }), 422, /must be in the future/);
    expectError(await send("PUT", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token, { scheduled_at: "soon" }), 422, /Scheduled at/);
    expectError(await send("PUT", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token, {}), 422, /Scheduled at/);

    const cancelled = await send("DELETE", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token);
    expect(cancelled).toEqual({ status: 200, body: {} });
    expectError(await getJson(`/api/v1/scheduled_statuses/${scheduled.id}`, alice.token), 404);
    expectError(await send("DELETE", `/api/v1/scheduled_statuses/${scheduled.id}`, alice.token), 404);
    expectError(await send("PUT", "/api/v1/scheduled_statuses/123", alice.token, { scheduled_at: later }), 404);
    expectError(await getJson("/api/v1/scheduled_statuses/abc", alice.token), 404);
    expectError(await getJson("/api/v1/scheduled_statuses"), 401);

    // Another account cannot see them.
    const bob = await newUser("bob");
    expectError(await getJson(`/api/v1/scheduled_statuses/${second.id}`, bob.token), 404);
    expect((await getJson("/api/v1/scheduled_statuses", bob.token)).body).toEqual([]);
  });

  it("refuses a time less than five minutes ahead", async () => {
    const alice = await newUser("alice");
    for (const at of [inMinutes(4), inMinutes(-10)]) {
      const res = await postRaw(alice.token, { status: "too soon", scheduled_at: at });
      expectError({ status: res.status, body: await res.json() }, 422, /Scheduled at The scheduled date must be in the future/);
    }
    expect((await getJson("/api/v1/scheduled_statuses", alice.token)).body).toEqual([]);
  });

  it("publishes when due, once, and honours Idempotency-Key when scheduling", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const root: any = await (await postRaw(bob.token, { status: "root" })).json();
    const headers = { "Idempotency-Key": "sched-1" };
    const first: any = await (await postRaw(alice.token, { status: `@${bob.username} scheduled reply`, scheduled_at: inMinutes(10), in_reply_to_id: root.id }, headers)).json();
    const again: any = await (await postRaw(alice.token, { status: "scheduled", scheduled_at: inMinutes(10) }, headers)).json();
    expect(again.id).toBe(first.id);

    await inObject(alice.id, (o) => {
      o.sql.exec("UPDATE scheduled_statuses SET scheduled_at = ?", new Date(Date.now() - 1000).toISOString());
    });
    await runJobs(alice.id, 2);

    const posted = await getJson(`/api/v1/accounts/${alice.id}/statuses`);
    expect(posted.body).toHaveLength(1);
    expect(posted.body[0].content).toContain("scheduled reply");
    expect(posted.body[0].in_reply_to_id).toBe(root.id);
    expect(posted.body[0].mentions.map((m: any) => m.id)).toEqual([bob.id]);
    expect((await getJson(`/api/v1/statuses/${root.id}`)).body.replies_count).toBe(1);
    expect((await getJson("/api/v1/scheduled_statuses", alice.token)).body).toEqual([]);
  });
});
