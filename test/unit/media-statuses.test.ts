import { describe, expect, it } from "vitest";
import { api, bearer } from "./helpers";
import { expectSchema } from "./openapi";
import { mediaFixture } from "./media-files";
import { fetchFile, photo, upload } from "./media-helpers";
import { settle } from "./timelines-helpers";
import { expectError, follow, getJson, inObject, newUser, post, postRaw, runJobs, send } from "./status-helpers";

describe("statuses with media", () => {
  it("posts media alone, in the order given, sensitive when asked; followers see the attachments", async () => {
    const me = await newUser("poster");
    const reader = await newUser("reader");
    await follow(reader, me);
    const first = await upload(me.token, await photo(), { fields: { description: "first" } });
    const second = await upload(me.token, mediaFixture("clipMp4"));
    const status = await post(me, { media_ids: [second.id, first.id], sensitive: true });
    expect(status.content).toBe("");
    expect(status.sensitive).toBe(true);
    expect(status.media_attachments.map((m: any) => m.id)).toEqual([second.id, first.id]);
    expect(status.media_attachments[1]).toMatchObject({ type: "image", description: "first", url: first.url });
    await settle([me, reader]);
    const home = await getJson("/api/v1/timelines/home", reader.token);
    const seen = home.body.find((s: any) => s.id === status.id);
    expect(seen.media_attachments.map((m: any) => m.id)).toEqual([second.id, first.id]);
    expectSchema(seen, "Status");
  });

  it("refuses more than four, others' uploads, unknown ids, ids used elsewhere, and media with a poll", async () => {
    const me = await newUser("poster");
    const other = await newUser("other");
    const mine = await Promise.all([1, 2, 3, 4, 5].map(async () => (await upload(me.token, await photo())).id));
    expectError({ status: (await postRaw(me.token, { status: "five", media_ids: mine })).status, body: { error: "" } }, 422);
    const theirs = await upload(other.token, await photo());
    let res = await postRaw(me.token, { status: "not mine", media_ids: [theirs.id] });
    expectError({ status: res.status, body: await res.json() }, 422, /not found or already attached/);
    res = await postRaw(me.token, { status: "unknown", media_ids: ["123"] });
    expectError({ status: res.status, body: await res.json() }, 422, /not found/);
    res = await postRaw(me.token, { status: "poll", media_ids: [mine[0]], poll: { options: ["a", "b"], expires_in: 3600 } });
    expectError({ status: res.status, body: await res.json() }, 422, /Polls and media/);
    await post(me, { status: "uses one", media_ids: [mine[0]] });
    res = await postRaw(me.token, { status: "again", media_ids: [mine[0]] });
    expectError({ status: res.status, body: await res.json() }, 422, /already attached/);
    // Nothing was half-written: the refused uploads are still free to use.
    await post(me, { status: "the rest", media_ids: mine.slice(1, 5) });
  });

  it("edits attachments and their alt text; the history keeps each version's media", async () => {
    const me = await newUser("poster");
    const a = await upload(me.token, await photo(), { fields: { description: "before" } });
    const b = await upload(me.token, await photo());
    const status = await post(me, { status: "edit me", media_ids: [a.id] });
    const edited = await send("PUT", `/api/v1/statuses/${status.id}`, me.token, {
      status: "edited",
      media_ids: [a.id, b.id],
      media_attributes: [{ id: a.id, description: "after", focus: "0.1,0.2" }],
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expectSchema(edited.body, "Status");
    expect(edited.body.media_attachments.map((m: any) => m.id)).toEqual([a.id, b.id]);
    expect(edited.body.media_attachments[0]).toMatchObject({ description: "after", meta: { focus: { x: 0.1, y: 0.2 } } });
    const history = await getJson(`/api/v1/statuses/${status.id}/history`, me.token);
    expect(history.body).toHaveLength(2);
    expect(history.body[0].media_attachments.map((m: any) => m.description)).toEqual(["before"]);
    expect(history.body[1].media_attachments).toHaveLength(2);
    for (const version of history.body) expectSchema(version, "StatusEdit");
    const removed = await send("PUT", `/api/v1/statuses/${status.id}`, me.token, { status: "no media", media_ids: [] });
    expect(removed.body.media_attachments).toEqual([]);
    // Media-only text may not become blank without media.
    const media = await send("PUT", `/api/v1/statuses/${status.id}`, me.token, { status: "", media_ids: [] });
    expectError(media, 422, /blank/);
  });

  it("a deleted status keeps its uploads a day for a redraft; delete_media removes the files at once", async () => {
    const me = await newUser("poster");
    const kept = await upload(me.token, await photo());
    const first = await post(me, { status: "redraft me", media_ids: [kept.id] });
    const deleted = await send("DELETE", `/api/v1/statuses/${first.id}`, me.token);
    expect(deleted.body.media_attachments[0].id).toBe(kept.id);
    await post(me, { status: "redrafted", media_ids: [kept.id] });
    const gone = await upload(me.token, await photo());
    const second = await post(me, { status: "delete all", media_ids: [gone.id] });
    await (await fetchFile(gone.url)).arrayBuffer();
    const res = await api(`/api/v1/statuses/${second.id}?delete_media=true`, { method: "DELETE", headers: bearer(me.token) });
    expect(res.status).toBe(200);
    await runJobs(me.id, 1);
    expect((await fetchFile(gone.url)).status).toBe(404);
    expect((await fetchFile(kept.url)).status).toBe(200);
  });

  it("only_media on an account's statuses", async () => {
    const me = await newUser("poster");
    const media = await upload(me.token, await photo());
    const withMedia = await post(me, { status: "with", media_ids: [media.id] });
    await post(me, { status: "without" });
    const list = await getJson(`/api/v1/accounts/${me.id}/statuses?only_media=true`, me.token);
    expect(list.body.map((s: any) => s.id)).toEqual([withMedia.id]);
  });

  it("a scheduled status holds its uploads and publishes with them", async () => {
    const me = await newUser("poster");
    const media = await upload(me.token, await photo());
    const at = new Date(Date.now() + 10 * 60_000).toISOString();
    const scheduled = await send("POST", "/api/v1/statuses", me.token, { status: "later", media_ids: [media.id], scheduled_at: at });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.params.media_ids).toEqual([media.id]);
    const res = await postRaw(me.token, { status: "now", media_ids: [media.id] });
    expectError({ status: res.status, body: await res.json() }, 422, /already attached/);
    expect(scheduled.body.media_attachments.map((m: any) => m.id)).toEqual([media.id]);
    expectSchema(scheduled.body, "ScheduledStatus");
    await inObject(me.id, (o) => o.sql.exec("UPDATE scheduled_statuses SET scheduled_at = ?", new Date(Date.now() - 1000).toISOString()));
    await runJobs(me.id, 2);
    const list = await getJson(`/api/v1/accounts/${me.id}/statuses`, me.token);
    const published = list.body.find((s: any) => s.content.includes("later"));
    expect(published.media_attachments.map((m: any) => m.id)).toEqual([media.id]);
  });
});

describe("avatars and headers", () => {
  it("takes an avatar and a header in update_credentials with text fields, resized; DELETE returns to the default", async () => {
    const me = await newUser("face");
    const form = new FormData();
    form.set("display_name", "Has a face");
    form.set("avatar", new File([await photo()], "me.jpg", { type: "image/jpeg" }));
    form.set("header", new File([await photo()], "banner.jpg", { type: "image/jpeg" }));
    const res = await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(me.token), body: form });
    const account: any = await res.json();
    expect(res.status, JSON.stringify(account)).toBe(200);
    expectSchema(account, "CredentialAccount");
    expect(account.display_name).toBe("Has a face");
    expect(account.avatar).toMatch(/\/system\/avatars\/[0-9a-f]{32}\//);
    expect(account.header).toMatch(/\/system\/headers\/[0-9a-f]{32}\//);
    expect(account.avatar_static).toBe(account.avatar);
    const served = await fetchFile(account.avatar);
    expect(served.headers.get("content-type")).toMatch(/^image\//);
    await served.arrayBuffer();
    const shown = await getJson(`/api/v1/accounts/${me.id}`);
    expect(shown.body.avatar).toBe(account.avatar);
    await (await fetchFile(account.avatar)).arrayBuffer();
    const cleared = await send("DELETE", "/api/v1/profile/avatar", me.token);
    expect(cleared.body.avatar).toMatch(/\/avatars\/original\/missing\.png$/);
    expect(cleared.body.header).toBe(account.header);
    await runJobs(me.id, 1);
    expect((await fetchFile(account.avatar)).status).toBe(404);
  });

  it("refuses an avatar that is not an image, and keeps the profile unchanged", async () => {
    const me = await newUser("face");
    const form = new FormData();
    form.set("display_name", "Should not stick");
    form.set("avatar", new File([new TextEncoder().encode("<svg/>")], "me.svg", { type: "image/svg+xml" }));
    const res = await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(me.token), body: form });
    expect(res.status).toBe(422);
    const shown = await getJson(`/api/v1/accounts/${me.id}`);
    expect(shown.body.display_name).not.toBe("Should not stick");
  });
});
