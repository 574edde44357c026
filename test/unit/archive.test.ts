import { describe, expect, it } from "vitest";
import { unzipSync, strFromU8 } from "fflate";
import { env } from "cloudflare:test";
import { api, bearer, issueToken } from "./helpers";
import { post, user } from "./graph-helpers";
import { inObject, post as postStatus } from "./status-helpers";
import { photo, upload } from "./media-helpers";
import { runJobsOfKind, signedIn } from "./portability-helpers";
import { formFields } from "./oauth-helpers";

const AS = "https://www.w3.org/ns/activitystreams";

async function requestArchive(token: string): Promise<Response> {
  return api("/api/v1/pronghorn/archives", { method: "POST", headers: bearer(token) });
}

async function archives(token: string): Promise<any[]> {
  const res = await api("/api/v1/pronghorn/archives", { headers: bearer(token) });
  expect(res.status).toBe(200);
  return res.json();
}

async function download(token: string, id: string): Promise<Record<string, Uint8Array>> {
  const res = await api(`/api/v1/pronghorn/archives/${id}/download`, { headers: bearer(token) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/zip");
  expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="archive-.+\.zip"$/);
  return unzipSync(new Uint8Array(await res.arrayBuffer()));
}

const jsonOf = (files: Record<string, Uint8Array>, name: string) => JSON.parse(strFromU8(files[name]));

describe("account archive", () => {
  it("makes a zip in Mastodon's layout whose outbox lists every status as a Create of its Note", async () => {
    const me = await user("arme");
    const other = await user("arother");
    const face = new FormData();
    face.set("avatar", new File([await photo()], "me.jpg", { type: "image/jpeg" }));
    expect((await api("/api/v1/accounts/update_credentials", { method: "PATCH", headers: bearer(me.token), body: face })).status).toBe(200);
    const image = await upload(me.token, await photo(), { fields: { description: "a red corner" } });
    const withMedia = await postStatus(me, { status: "with a picture", media_ids: [image.id] });
    const plain = await postStatus(me, { status: "public words" });
    const secret = await postStatus(me, { status: "followers only", visibility: "private" });
    const theirs = await postStatus(other, { status: "liked and kept" });
    expect((await post(`/api/v1/statuses/${theirs.id}/favourite`, me.token)).status).toBe(200);
    expect((await post(`/api/v1/statuses/${theirs.id}/bookmark`, me.token)).status).toBe(200);

    const requested = await requestArchive(me.token);
    expect(requested.status).toBe(202);
    const queued: any = await requested.json();
    expect(queued).toMatchObject({ state: "queued", size: null });
    await runJobsOfKind(me.id, "archive.build");
    const [ready] = await archives(me.token);
    expect(ready).toMatchObject({ id: queued.id, state: "ready" });
    expect(ready.size).toBeGreaterThan(0);
    expect(Date.parse(ready.expires_at) - Date.parse(ready.finished_at)).toBe(7 * 24 * 3600 * 1000);

    const files = await download(me.token, ready.id);
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["actor.json", "outbox.json", "likes.json", "bookmarks.json"]));
    const actor = jsonOf(files, "actor.json");
    expect(actor).toMatchObject({ type: "Person", preferredUsername: me.username });
    // The avatar is in the zip, and actor.json points at it; the default header is not ours to copy.
    expect(actor.icon.url).toMatch(/^avatar\.[a-z]+$/);
    expect(files[actor.icon.url].length).toBeGreaterThan(0);
    expect(actor.image.url).toMatch(/^https?:/);

    const outbox = jsonOf(files, "outbox.json");
    expect(outbox["@context"]).toBe(AS);
    expect(outbox).toMatchObject({ id: "outbox.json", type: "OrderedCollection", totalItems: 3 });
    expect(outbox.orderedItems).toHaveLength(3);
    for (const item of outbox.orderedItems) {
      expect(item.type).toBe("Create");
      expect(item.actor).toBe(actor.id);
      expect(item.object.type).toBe("Note");
      expect(item.object.attributedTo).toBe(actor.id);
      expect(item.id).toBe(`${item.object.id}/activity`);
    }
    expect(outbox.orderedItems.map((i: any) => i.object.id)).toEqual([withMedia.uri, plain.uri, secret.uri]);
    expect(outbox.orderedItems[2].object.to).toEqual([actor.followers]);

    // The attachment's url names its file inside the zip.
    const [attachment] = outbox.orderedItems[0].object.attachment;
    expect(attachment).toMatchObject({ type: "Document", name: "a red corner" });
    const inZip = attachment.url.replace(/^\//, "");
    expect(files[inZip]).toBeDefined();
    expect(inZip).toMatch(/^media_attachments\/media\/[0-9a-f]{32}\//);
    const stored = await env.MEDIA.get(inZip.replace(/^media_attachments\//, ""));
    expect(files[inZip]).toEqual(new Uint8Array(await stored!.arrayBuffer()));
    expect(image.url).toContain(inZip.replace(/^media_attachments\//, ""));

    expect(jsonOf(files, "likes.json")).toMatchObject({ type: "OrderedCollection", totalItems: 1, orderedItems: [theirs.uri] });
    expect(jsonOf(files, "bookmarks.json")).toMatchObject({ type: "OrderedCollection", totalItems: 1, orderedItems: [theirs.uri] });
  });

  it("allows one archive every seven days, and only its owner downloads it", async () => {
    const me = await user("arlimit");
    const other = await user("arstranger");
    expect((await requestArchive(me.token)).status).toBe(202);
    const again = await requestArchive(me.token);
    expect(again.status).toBe(429);
    expect(await again.json()).toEqual({ error: "You can request an archive once every 7 days" });
    await runJobsOfKind(me.id, "archive.build");
    const [ready] = await archives(me.token);
    expect((await requestArchive(me.token)).status).toBe(429);
    // Another account's token is checked by its own object, which holds no such archive.
    expect((await api(`/api/v1/pronghorn/archives/${ready.id}/download`, { headers: bearer(other.token) })).status).toBe(404);
    expect((await api(`/api/v1/pronghorn/archives/${ready.id}/download`)).status).toBe(401);
    const readFollows = await issueToken(me.id, ["read:follows"]);
    expect((await api(`/api/v1/pronghorn/archives/${ready.id}/download`, { headers: bearer(readFollows) })).status).toBe(403);
    // The file is not reachable as a media file.
    expect((await api(`/system/archives/${me.id}/${ready.id}.zip`)).status).toBe(404);

    // A week later it is deleted.
    await runJobsOfKind(me.id, "archive.expire");
    const [expired] = await archives(me.token);
    expect(expired.state).toBe("expired");
    expect(await env.MEDIA.head(`archives/${me.id}/${ready.id}.zip`)).toBeNull();
    expect((await api(`/api/v1/pronghorn/archives/${ready.id}/download`, { headers: bearer(me.token) })).status).toBe(404);
  });

  it("is requested and downloaded from the export page", async () => {
    const me = await user("arpage");
    await postStatus(me, { status: "archived from the page" });
    const browser = await signedIn(me);
    const page = await (await browser.get("/settings/export")).text();
    expect(page).toContain("Request your archive");
    const requested = await browser.post("/settings/export", formFields(page, "/settings/export"));
    expect(requested.status).toBe(303);
    await runJobsOfKind(me.id, "archive.build");
    const after = await (await browser.get("/settings/export")).text();
    expect(after).not.toContain("Request your archive");
    const link = /href="(\/settings\/exports\/archives\/\d+)"/.exec(after)![1];
    const res = await browser.get(link);
    expect(res.status).toBe(200);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(jsonOf(files, "outbox.json").orderedItems).toHaveLength(1);
    const pending = await inObject(me.id, (o) => o.sql.exec("SELECT count(*) AS n FROM archives WHERE state = 'ready'").one().n);
    expect(pending).toBe(1);
  });
});
