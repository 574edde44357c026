import { describe, expect, it } from "vitest";
import { api, bearer, jsonBody } from "./helpers";
import { expectSchema } from "./openapi";
import { animatedGif, containsText, contains, gpsLatitudeBytes, MARKER, pixelsOf, pngWithMetadata } from "./media-fixtures";
import { mediaFixture } from "./media-files";
import { encodePng } from "../../lib/media/codecs";
import { fetchFile, fileBytes, photo, runJobsOfKind, upload, uploadRaw } from "./media-helpers";
import { expectError, newUser, runJobs, send } from "./status-helpers";

describe("POST /api/v2/media and /api/v1/media", () => {
  it("stores a JPEG without any of its metadata, upright, with a preview and a BlurHash", async () => {
    const me = await newUser("media");
    const jpeg = await photo(6);
    expect(containsText(jpeg, MARKER)).toBe(true);
    const media = await upload(me.token, jpeg, { fields: { description: "A red corner", focus: "0.5,-0.25" } });
    expect(media.type).toBe("image");
    expect(media.description).toBe("A red corner");
    expect(media.meta.focus).toEqual({ x: 0.5, y: -0.25 });
    // Orientation 6 turns the 64×48 picture a quarter: stored 48×64.
    expect(media.meta.original).toMatchObject({ width: 48, height: 64, aspect: 0.75 });
    expect(media.meta.small.width).toBeLessThanOrEqual(640);
    expect(typeof media.blurhash).toBe("string");
    expect(media.url).toMatch(/^https:\/\/pronghorn\.test\/system\/media\/[0-9a-f]{32}\/original\.jpg$/);
    for (const url of [media.url, media.preview_url]) {
      const served = await fileBytes(url);
      expect(served[0]).toBe(0xff);
      expect(containsText(served, MARKER)).toBe(false);
      expect(contains(served, gpsLatitudeBytes())).toBe(false);
      expect(containsText(served, "Exif")).toBe(false);
    }
  });

  it("v1 answers the same entity once processed; PNG transparency survives", async () => {
    const me = await newUser("media");
    const png = await pngWithMetadata(pixelsOf(30, 20, (x) => (x < 15 ? [0, 128, 0, 0] : [0, 128, 0, 255])));
    const media = await upload(me.token, png, { version: "v1" });
    const served = await fileBytes(media.url);
    expect([...served.slice(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(containsText(served, MARKER)).toBe(false);
    expect(media.meta.original).toMatchObject({ width: 30, height: 20 });
  });

  it("keeps an animated GIF animated (type image) with a still preview", async () => {
    const me = await newUser("media");
    const media = await upload(me.token, animatedGif(20, 10, 3));
    expect(media.type).toBe("image");
    const served = await fileBytes(media.url);
    expect(String.fromCharCode(...served.slice(0, 3))).toBe("GIF");
    expect(containsText(served, MARKER)).toBe(false);
    expect(media.preview_url).not.toBe(media.url);
  });

  it("stores video and audio as uploaded, with what their containers say", async () => {
    const me = await newUser("media");
    const video = await upload(me.token, mediaFixture("clipMp4"));
    expect(video.type).toBe("video");
    expect(video.meta.original.duration).toBeGreaterThan(0);
    expect(video.meta.original.width).toBeGreaterThan(0);
    expect(video.url).toMatch(/\.mp4$/);
    const audio = await upload(me.token, mediaFixture("toneMp3"));
    expect(audio.type).toBe("audio");
    expect(audio.meta.original.duration).toBeGreaterThan(0);
    const res = await fetchFile(audio.url);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
  });

  it("refuses HTML, SVG and text disguised as images, empty files and missing files (422)", async () => {
    const me = await newUser("media");
    const text = (s: string) => new TextEncoder().encode(s);
    const disguised = [
      text("<!DOCTYPE html><html><script>alert(1)</script></html>"),
      text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      text("GIF89a, just kidding"),
    ];
    for (const bytes of disguised) {
      const res = await uploadRaw(me.token, bytes, { name: "cat.png", type: "image/png" });
      expectError({ status: res.status, body: await res.json() }, 422, /content type is invalid/);
    }
    expectError({ status: (await uploadRaw(me.token, new Uint8Array(0))).status, body: { error: "x" } }, 422);
    const none = await api("/api/v2/media", { method: "POST", headers: bearer(me.token), body: new FormData() });
    expectError({ status: none.status, body: await none.json() }, 422, /File can't be blank/);
  });

  it("checks the token and its scope before reading the file", async () => {
    const reader = await newUser("media", ["read"]);
    const jpeg = await photo();
    expect((await uploadRaw(null, jpeg)).status).toBe(401);
    expect((await uploadRaw(reader.token, jpeg)).status).toBe(403);
  });

  it("refuses an overlong description and a bad focus", async () => {
    const me = await newUser("media");
    const jpeg = await photo();
    let res = await uploadRaw(me.token, jpeg, { fields: { description: "x".repeat(1501) } });
    expectError({ status: res.status, body: await res.json() }, 422, /Description is too long/);
    res = await uploadRaw(me.token, jpeg, { fields: { focus: "2,0" } });
    expectError({ status: res.status, body: await res.json() }, 422, /Focus/);
  });

  it("v2 answers 202 for a large image, then GET says 206 until the job has processed it", async () => {
    const me = await newUser("media");
    const data = new Uint8ClampedArray(1600 * 1000 * 4);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(new Uint8Array(data.buffer, i, Math.min(65536, data.length - i)));
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
    const big = await encodePng({ data, width: 1600, height: 1000 });
    expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
    const pending = await upload(me.token, big, {}, 202);
    expect(pending.url).toBeNull();
    let res = await api(`/api/v1/media/${pending.id}`, { headers: bearer(me.token) });
    expect(res.status).toBe(206);
    await runJobsOfKind(me.id, "media.process");
    res = await api(`/api/v1/media/${pending.id}`, { headers: bearer(me.token) });
    const done: any = await res.json();
    expect(res.status).toBe(200);
    expectSchema(done, "MediaAttachment");
    expect(done.meta.original).toMatchObject({ width: 1600, height: 1000 });
    expect((await fetchFile(done.url)).status).toBe(200);
  });
});

describe("GET, PUT and DELETE /api/v1/media/:id", () => {
  it("shows and describes only the owner's uploads", async () => {
    const me = await newUser("media");
    const other = await newUser("media");
    const media = await upload(me.token, await photo());
    expect((await api(`/api/v1/media/${media.id}`, { headers: bearer(other.token) })).status).toBe(404);
    expect((await api("/api/v1/media/123", { headers: bearer(me.token) })).status).toBe(404);
    expect((await api("/api/v1/media/nope", { headers: bearer(me.token) })).status).toBe(404);
    const put = await send("PUT", `/api/v1/media/${media.id}`, me.token, { description: "Described later", focus: "-1,1" });
    expect(put.status).toBe(200);
    expectSchema(put.body, "MediaAttachment");
    expect(put.body.description).toBe("Described later");
    expect(put.body.meta.focus).toEqual({ x: -1, y: 1 });
    expect((await send("PUT", `/api/v1/media/${media.id}`, other.token, { description: "mine now" })).status).toBe(404);
  });

  it("a new thumbnail replaces the preview, and the old preview file goes", async () => {
    const me = await newUser("media");
    const media = await upload(me.token, mediaFixture("clipMp4"), { thumbnail: await photo() });
    expect(media.preview_url).not.toBeNull();
    const form = new FormData();
    form.set("thumbnail", new File([await photo(6)], "t.jpg", { type: "image/jpeg" }));
    const res = await api(`/api/v1/media/${media.id}`, { method: "PUT", headers: bearer(me.token), body: form });
    const updated: any = await res.json();
    expect(res.status, JSON.stringify(updated)).toBe(200);
    expect(updated.preview_url).not.toBe(media.preview_url);
    await runJobsOfKind(me.id, "media.purge");
    expect((await fetchFile(media.preview_url)).status).toBe(404);
    expect((await fetchFile(updated.preview_url)).status).toBe(200);
  });

  it("deletes an unattached upload and its files; an attached one answers 422", async () => {
    const me = await newUser("media");
    const loose = await upload(me.token, await photo());
    // Served once, so a copy sits in the cache: the delete must take that too.
    expect((await fileBytes(loose.url)).length).toBeGreaterThan(0);
    const del = await send("DELETE", `/api/v1/media/${loose.id}`, me.token);
    expect(del).toEqual({ status: 200, body: {} });
    expect((await api(`/api/v1/media/${loose.id}`, { headers: bearer(me.token) })).status).toBe(404);
    await runJobs(me.id, 1);
    expect((await fetchFile(loose.url)).status).toBe(404);
    const used = await upload(me.token, await photo());
    const status = await api("/api/v1/statuses", jsonBody("POST", { status: "with a photo", media_ids: [used.id] }, me.token));
    expect(status.status).toBe(200);
    expectError(await send("DELETE", `/api/v1/media/${used.id}`, me.token), 422, /used by a status/);
    expect((await send("PUT", `/api/v1/media/${used.id}`, me.token, { description: "too late" })).status).toBe(404);
  });

  it("an upload never attached is deleted after a day, files and all", async () => {
    const me = await newUser("media");
    const media = await upload(me.token, await photo());
    await runJobs(me.id, 1);
    expect((await api(`/api/v1/media/${media.id}`, { headers: bearer(me.token) })).status).toBe(404);
    expect((await fetchFile(media.url)).status).toBe(404);
  });
});

describe("serving media files", () => {
  it("answers the file whatever the Accept, with safe headers, HEAD and ranges", async () => {
    const me = await newUser("media");
    const media = await upload(me.token, await photo());
    const whole = await fileBytes(media.url);
    for (const accept of ["application/activity+json", "application/json", "text/html"]) {
      const res = await fetchFile(media.url, { accept });
      expect(res.headers.get("content-type")).toBe("image/jpeg");
      await res.arrayBuffer();
    }
    const res = await fetchFile(media.url);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("content-length")).toBe(String(whole.length));
    await res.arrayBuffer();
    const head = await api(new URL(media.url).pathname, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(whole.length));
    const part = await fetchFile(media.url, { range: "bytes=2-9" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 2-9/${whole.length}`);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...whole.slice(2, 10)]);
    const suffix = await fetchFile(media.url, { range: "bytes=-4" });
    expect([...new Uint8Array(await suffix.arrayBuffer())]).toEqual([...whole.slice(-4)]);
    const beyond = await fetchFile(media.url, { range: `bytes=${whole.length + 10}-` });
    expect(beyond.status).toBe(416);
    await beyond.arrayBuffer();
    const etag = (await fetchFile(media.url)).headers.get("etag")!;
    const cached = await fetchFile(media.url, { "if-none-match": etag });
    expect(cached.status).toBe(304);
    expect((await api("/system/media/00000000000000000000000000000000/original.jpg")).status).toBe(404);
    expect((await api("/system/media/..%2F..%2Fsecret/original.jpg")).status).toBe(404);
  });
});
