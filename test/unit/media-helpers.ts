import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { AccountObject } from "../../objects/account/account-object";
import { accountObject } from "./status-helpers";
import { api, bearer } from "./helpers";
import { expectSchema } from "./openapi";
import { jpegWithMetadata, pixelsOf, redCorner } from "./media-fixtures";

/** Helpers of the media API tests (media-api*.test.ts). */

/** A multipart upload to the media API (`v1` or `v2`), with extra text fields. */
export function uploadRaw(token: string | null, bytes: Uint8Array, options: { version?: "v1" | "v2"; fields?: Record<string, string>; name?: string; type?: string; thumbnail?: Uint8Array } = {}): Promise<Response> {
  const form = new FormData();
  form.set("file", new File([bytes], options.name ?? "upload.bin", { type: options.type ?? "application/octet-stream" }));
  if (options.thumbnail) form.set("thumbnail", new File([options.thumbnail], "thumb.jpg", { type: "image/jpeg" }));
  for (const [k, v] of Object.entries(options.fields ?? {})) form.set(k, v);
  return api(`/api/${options.version ?? "v2"}/media`, { method: "POST", headers: token ? bearer(token) : {}, body: form });
}

/** Uploads and checks the answer is a valid MediaAttachment with the expected status. */
export async function upload(token: string, bytes: Uint8Array, options: Parameters<typeof uploadRaw>[2] = {}, status = 200): Promise<any> {
  const res = await uploadRaw(token, bytes, options);
  const body: any = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expectSchema(body, "MediaAttachment");
  return body;
}

/** Fetches a served media file by its absolute URL. */
export async function fetchFile(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const u = new URL(url);
  return api(u.pathname, { headers });
}

export async function fileBytes(url: string): Promise<Uint8Array> {
  const res = await fetchFile(url);
  expect(res.status).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

/** A 64×48 JPEG carrying EXIF with GPS and text (and orientation `orientation`). */
export function photo(orientation = 1): Promise<Uint8Array> {
  return jpegWithMetadata(pixelsOf(64, 48, redCorner(64, 48)), orientation);
}

/** Runs an account object's queued jobs of one kind now (the others keep their time). */
export async function runJobsOfKind(accountId: string, kind: string): Promise<void> {
  const stub = accountObject(accountId);
  await runInDurableObject(stub, (o: AccountObject) => {
    o.sql.exec("UPDATE outbox SET next_at = 1 WHERE kind = ?", kind);
    return o.storage.setAlarm(Date.now());
  });
  await runDurableObjectAlarm(stub);
}
