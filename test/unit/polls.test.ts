import { describe, expect, it } from "vitest";
import { api, bearer } from "./helpers";
import { expectSchema } from "./openapi";
import { expectError, getJson, inObject, newUser, notificationsOf, post, runJobs, send } from "./status-helpers";

const poll = (options: string[], extra: Record<string, unknown> = {}) => ({ options, expires_in: 3600, ...extra });

/** Moves a poll's end (and its queued expiry job) into the past, then runs the job. */
async function endPoll(authorId: string, statusId: string): Promise<void> {
  const past = new Date(Date.now() - 1000).toISOString();
  await inObject(authorId, (o) => {
    o.sql.exec("UPDATE statuses SET snapshot = json_set(snapshot, '$.poll.expires_at', ?) WHERE id = ?", past, statusId);
    o.sql.exec("UPDATE outbox SET payload = json_set(payload, '$.expires_at', ?) WHERE kind = 'poll.expire' AND json_extract(payload, '$.id') = ?", past, statusId);
  });
  await runJobs(authorId, 1);
}

describe("polls", () => {
  it("shows a poll, counts votes, remembers the voter's choices", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const s = await post(alice, { status: "pick", poll: poll(["red", "green", "blue"]) });
    expect(s.poll.id).toBe(s.id);
    expect(s.poll.expired).toBe(false);
    expect(s.poll.voters_count).toBeNull();

    const anonymous = await getJson(`/api/v1/polls/${s.poll.id}`);
    expect(anonymous.status).toBe(200);
    expectSchema(anonymous.body, "Poll");
    expect(anonymous.body.voted).toBeUndefined();

    const before = await getJson(`/api/v1/polls/${s.poll.id}`, bob.token);
    expect(before.body.voted).toBe(false);
    expect(before.body.own_votes).toEqual([]);

    const voted = await send("POST", `/api/v1/polls/${s.poll.id}/votes`, bob.token, { choices: [1] });
    expect(voted.status, JSON.stringify(voted.body)).toBe(200);
    expectSchema(voted.body, "Poll");
    expect(voted.body.voted).toBe(true);
    expect(voted.body.own_votes).toEqual([1]);
    expect(voted.body.votes_count).toBe(1);
    expect(voted.body.options.map((o: any) => o.votes_count)).toEqual([0, 1, 0]);

    // Form encoding: choices[]=2
    const form = await api(`/api/v1/polls/${s.poll.id}/votes`, { method: "POST", headers: bearer(carol.token), body: new URLSearchParams([["choices[]", "2"]]) });
    expect(form.status).toBe(200);

    const status = await getJson(`/api/v1/statuses/${s.id}`, bob.token);
    expect(status.body.poll.votes_count).toBe(2);
    expect(status.body.poll.own_votes).toEqual([1]);
    expect((await getJson(`/api/v1/polls/${s.poll.id}`, carol.token)).body.own_votes).toEqual([2]);
    expect((await getJson(`/api/v1/polls/${s.poll.id}`, alice.token)).body.voted).toBe(false);
  });

  it("refuses invalid votes with 422", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const single = await post(alice, { status: "one", poll: poll(["a", "b"]) });
    const multi = await post(alice, { status: "many", poll: poll(["a", "b", "c"], { multiple: true }) });
    const vote = (id: string, choices: unknown, token = bob.token) => send("POST", `/api/v1/polls/${id}/votes`, token, { choices });
    expectError(await vote(single.id, [5]), 422, /does not exist/);
    expectError(await vote(single.id, []), 422, /does not exist/);
    expectError(await vote(single.id, ["x"]), 422, /Choices/);
    expectError(await vote(single.id, [0, 1]), 422, /already voted/);
    expectError(await vote(single.id, [0], alice.token), 422, /own polls/);
    expect((await vote(single.id, [0])).status).toBe(200);
    expectError(await vote(single.id, [1]), 422, /already voted/);

    const both = await vote(multi.id, [0, 2]);
    expect(both.status).toBe(200);
    expect(both.body.votes_count).toBe(2);
    expect(both.body.voters_count).toBe(1);
    // A multiple-choice poll takes further choices later, as Mastodon's; never the same one twice.
    expectError(await vote(multi.id, [2]), 422, /already voted/);
    const more = await vote(multi.id, [1]);
    expect(more.status).toBe(200);
    expectSchema(more.body, "Poll");
    expect(more.body.votes_count).toBe(3);
    expect(more.body.voters_count).toBe(1);
    expect(more.body.own_votes).toEqual([0, 1, 2]);
    expect((await getJson(`/api/v1/polls/${multi.id}`, bob.token)).body.own_votes).toEqual([0, 1, 2]);

    const plain = await post(alice, { status: "no poll" });
    expectError(await getJson(`/api/v1/polls/${plain.id}`), 404);
    expectError(await vote(plain.id, [0]), 404);
    expectError(await getJson("/api/v1/polls/123456789"), 404);
    expectError(await vote("123456789", [0]), 404);
  });

  it("ends: no more votes, and the author and voters are notified once", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const carol = await newUser("carol");
    const s = await post(alice, { status: "vote now", poll: poll(["yes", "no"]) });
    await send("POST", `/api/v1/polls/${s.id}/votes`, bob.token, { choices: [0] });
    await endPoll(alice.id, s.id);

    const ended = await getJson(`/api/v1/polls/${s.id}`, bob.token);
    expect(ended.body.expired).toBe(true);
    expectSchema(ended.body, "Poll");
    expectError(await send("POST", `/api/v1/polls/${s.id}/votes`, carol.token, { choices: [1] }), 422, /already ended/);

    expect(await notificationsOf(alice.id)).toEqual([{ type: "poll", from_account_id: alice.id, status_id: s.id }]);
    expect(await notificationsOf(bob.id)).toEqual([{ type: "poll", from_account_id: alice.id, status_id: s.id }]);
    expect(await notificationsOf(carol.id)).toEqual([]);
    // A repeated job notifies nobody twice.
    await inObject(alice.id, (o) => o.enqueue("poll.expire", { id: s.id, expires_at: ended.body.expires_at }));
    await runJobs(alice.id, 1);
    expect(await notificationsOf(alice.id)).toHaveLength(1);
    expect(await notificationsOf(bob.id)).toHaveLength(1);
  });

  it("editing the options resets the votes, keeping them otherwise", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const s = await post(alice, { status: "q", poll: poll(["a", "b"]) });
    await send("POST", `/api/v1/polls/${s.id}/votes`, bob.token, { choices: [0] });
    const sameOptions = await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "q?", poll: poll(["a", "b"]) });
    expect(sameOptions.body.poll.votes_count).toBe(1);
    const changed = await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "q?", poll: poll(["a", "b", "c"]) });
    expect(changed.status).toBe(200);
    expect(changed.body.poll.votes_count).toBe(0);
    expect(changed.body.poll.options).toHaveLength(3);
    await runJobs(alice.id, 1);
    expect((await getJson(`/api/v1/polls/${s.id}`, bob.token)).body.voted).toBe(false);
    expect((await send("POST", `/api/v1/polls/${s.id}/votes`, bob.token, { choices: [2] })).status).toBe(200);
    const history = await getJson(`/api/v1/statuses/${s.id}/history`);
    expect(history.body.map((v: any) => v.poll.options.length)).toEqual([2, 2, 3]);
    // Leaving the poll out of an edit removes it, as in Mastodon.
    const removed = await send("PUT", `/api/v1/statuses/${s.id}`, alice.token, { status: "no more poll" });
    expect(removed.body.poll).toBeNull();
    expectError(await getJson(`/api/v1/polls/${s.id}`), 404);
  });
});
