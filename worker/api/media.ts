import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound, unwrap } from "../../lib/result";
import { requireUser, userObject } from "../http/auth";
import { json } from "../http/respond";
import { accountStub } from "../../core/stubs";
import type { Params } from "../http/body";
import { MEDIA_LIMITS } from "../../lib/media/limits";
import { inspectUpload, processesLater, storePending, storeThumbnail, storeUpload } from "../../core/media/store";
import { serializeMediaAttachment } from "../../core/serializers/media";
import { forgetCachedFiles } from "./media-files";
import { mediaParamsSchema, parseFocus, type MediaChange } from "../../schemas/media";
import { parseOrFail } from "../../schemas/accounts";
import type { MediaView, UploadInput } from "../../objects/account/media";

/**
 * The media API: uploads (v1 answers once the file is ready; v2 answers 202 for an upload it
 * finishes in the background), reading, describing and deleting an upload. Files are processed
 * here (lib/media through core/media/store.ts) and recorded in the uploader's object.
 */
export function registerMedia(router: Router): void {
  router.post("/api/v1/media", (c) => upload(c, "v1"));
  router.post("/api/v2/media", (c) => upload(c, "v2"));
  router.get("/api/v1/media/:id", show);
  router.put("/api/v1/media/:id", update);
  router.delete("/api/v1/media/:id", remove);
}

/** The largest request an upload may send: the largest file plus a thumbnail and the text fields. */
export const UPLOAD_BODY_LIMIT = MEDIA_LIMITS.video_size_limit + MEDIA_LIMITS.image_size_limit + 64 * 1024;

const invalid = (message: string) => new ApiError(422, message);

async function upload(c: Ctx, version: "v1" | "v2"): Promise<Response> {
  const { token, viewer } = await requireUser(c, "write:media", "media");
  const params = await c.params(UPLOAD_BODY_LIMIT);
  const file = fileParam(params, "file");
  if (!file) throw invalid("Validation failed: File can't be blank");
  const text = readText(params);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const inspected = await inspectUpload(bytes);
  if (!inspected.ok) throw invalid(inspected.error);
  const thumbnail = await readThumbnail(c, params);
  const later = version === "v2" && processesLater(inspected.value, bytes);
  let input: UploadInput;
  if (later) {
    input = { ...text, thumbnail, upload: { pendingKey: await storePending(c.env.MEDIA, bytes), type: "image" } };
  } else {
    const stored = await storeUpload(c.env.MEDIA, bytes, inspected.value);
    if (!stored.ok) throw invalid(stored.error);
    input = { ...text, thumbnail, upload: { stored: stored.value } };
  }
  const created = unwrap(await accountStub(c.env, viewer.account.id).media(token, { op: "add", input })) as MediaView;
  return json(serializeMediaAttachment(created.media, c), { status: created.ready ? 200 : 202 });
}

async function show(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:media");
  const found = unwrap(await stub.media(token, { op: "get", id: mediaId(c) })) as MediaView;
  return json(serializeMediaAttachment(found.media, c), { status: found.ready ? 200 : 206 });
}

async function update(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:media");
  const id = mediaId(c);
  const params = await c.params(MEDIA_LIMITS.image_size_limit + 64 * 1024);
  const change: MediaChange = readText(params);
  const thumbnail = await readThumbnail(c, params);
  if (thumbnail) change.thumbnail = { key: thumbnail.key, meta: thumbnail.meta };
  const updated = unwrap(await stub.media(token, { op: "update", id, change })) as MediaView;
  return json(serializeMediaAttachment(updated.media, c), { status: updated.ready ? 200 : 206 });
}

async function remove(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "write:media");
  const deleted = unwrap(await stub.media(token, { op: "delete", id: mediaId(c) })) as MediaView;
  const entity = serializeMediaAttachment(deleted.media, c);
  forgetCachedFiles(c, [entity.url, entity.preview_url]);
  return json({});
}

function mediaId(c: Ctx): string {
  if (!/^\d{1,20}$/.test(c.route.id)) throw notFound();
  return c.route.id;
}

function fileParam(params: Params, name: string): File | null {
  const value = params[name];
  if (value === undefined || value === null || value === "") return null;
  if (!(value instanceof File)) throw invalid(`Validation failed: ${name === "file" ? "File" : "Thumbnail"} must be a file upload (multipart/form-data)`);
  return value;
}

/** `description` (at most the advertised length) and `focus` ("x,y" in [-1, 1]). */
function readText(params: Params): { description?: string; focus?: { x: number; y: number } } {
  const p = parseOrFail(mediaParamsSchema, { description: params.description, focus: params.focus });
  if (p.description !== undefined && [...p.description].length > MEDIA_LIMITS.description_limit) {
    throw invalid(`Validation failed: Description is too long (maximum is ${MEDIA_LIMITS.description_limit} characters)`);
  }
  const focus = parseFocus(p.focus);
  if (focus === null) throw invalid("Validation failed: Focus must be two numbers between -1.0 and 1.0, as x,y");
  return { ...(p.description !== undefined ? { description: p.description } : {}), ...(focus ? { focus } : {}) };
}

async function readThumbnail(c: Ctx, params: Params): Promise<UploadInput["thumbnail"]> {
  const file = fileParam(params, "thumbnail");
  if (!file) return undefined;
  const stored = await storeThumbnail(c.env.MEDIA, new Uint8Array(await file.arrayBuffer()));
  if (!stored.ok) throw invalid(stored.error);
  return stored.value;
}
