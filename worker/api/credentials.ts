import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { requireUser, userObject } from "../http/auth";
import { json, jsonText } from "../http/respond";
import { originOf } from "../../core/serializers/rendered";
import { accountStub } from "../../core/stubs";
import { POSTING_LANGUAGES } from "../../core/instance-settings";
import { serializeAccount, serializeCredentialAccount } from "../../core/serializers/account";
import { forgetCachedFiles } from "./media-files";
import type { AccountRecord } from "../../schemas/records";
import { parseOrFail, updateCredentialsSchema, validationFailed } from "../../schemas/accounts";
import type { z } from "zod";
import type { Params } from "../http/body";
import type { ProfileUpdate } from "../../schemas/accounts";
import { MEDIA_LIMITS } from "../../lib/media/limits";
import { storeProfileImage } from "../../core/media/store";
import type { ProfileImage } from "../../objects/account/profile";

/**
 * The signed-in user's own account: verify_credentials, update_credentials, preferences and
 * removing the avatar or header.
 */
export function registerCredentials(router: Router): void {
  router.get("/api/v1/accounts/verify_credentials", verifyCredentials);
  router.patch("/api/v1/accounts/update_credentials", updateCredentials);
  // Rails routes PUT to the same action; a few older clients use it.
  router.put("/api/v1/accounts/update_credentials", updateCredentials);
  router.get("/api/v1/preferences", preferences);
  router.delete("/api/v1/profile/avatar", (c) => deleteImage(c, "avatar"));
  router.delete("/api/v1/profile/header", (c) => deleteImage(c, "header"));
}

/** Hot path (every app calls it at start): one RPC to the account's object, which renders it. */
async function verifyCredentials(c: Ctx): Promise<Response> {
  const { stub, token } = await userObject(c, "profile");
  return jsonText(unwrap(await stub.verifyCredentials(token, originOf(c))));
}

async function updateCredentials(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "write:accounts");
  const record = await applyProfileUpdate(c, viewer.account, updateCredentialsSchema);
  return json(serializeCredentialAccount(record, c));
}

/**
 * The one profile update `update_credentials` and `PATCH /api/v1/profile` share: validates the
 * text fields with `schema`, stores new images only once those are valid, writes, and drops
 * replaced images from the cache. Returns the updated record.
 */
export async function applyProfileUpdate(c: Ctx, before: AccountRecord, schema: z.ZodType<ProfileUpdate, unknown>): Promise<AccountRecord> {
  const params = await c.params(PROFILE_BODY_LIMIT);
  const update = parseOrFail(schema, params);
  if (update.language && !POSTING_LANGUAGES.includes(update.language)) {
    throw validationFailed({ "source.language": [{ error: "ERR_INCLUSION", description: "is not a supported language" }] });
  }
  for (const image of ["avatar", "header"] as const) {
    const file = uploadOf(params, image);
    if (file) update[image] = await storeImage(c, file, image);
  }
  const record = unwrap(await accountStub(c.env, before.id).updateProfile(update));
  forgetReplacedImages(c, before, (["avatar", "header"] as const).filter((image) => update[image]));
  return record;
}

/** Two images of at most the profile image limit, and the text fields. */
const PROFILE_BODY_LIMIT = 2 * MEDIA_LIMITS.profile_image_size_limit + 256 * 1024;

/** The uploaded image, if any: an empty field means "unchanged"; anything else not a file is refused. */
function uploadOf(params: Params, name: "avatar" | "header"): File | null {
  const value = params[name];
  if (value === undefined || value === null || value === "") return null;
  if (!(value instanceof File)) throw validationFailed({ [name]: [{ error: "ERR_INVALID", description: "must be a file upload (multipart/form-data)" }] });
  return value;
}

async function storeImage(c: Ctx, file: File, image: "avatar" | "header"): Promise<{ key: string; static_key: string }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length > MEDIA_LIMITS.profile_image_size_limit) {
    throw validationFailed({ [image]: [{ error: "ERR_TOO_BIG", description: `file size must be less than ${MEDIA_LIMITS.profile_image_size_limit / 1024 / 1024} MB` }] });
  }
  const stored = await storeProfileImage(c.env.MEDIA, bytes, image);
  if (!stored.ok) throw new ApiError(422, stored.error);
  return stored.value;
}

async function preferences(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "read:accounts");
  const a = viewer.account;
  return json({
    "posting:default:visibility": a.privacy,
    "posting:default:sensitive": a.sensitive,
    "posting:default:language": a.language,
    "reading:expand:media": "default",
    "reading:expand:spoilers": false,
    "reading:autoplay:gifs": false,
  });
}

async function deleteImage(c: Ctx, image: ProfileImage): Promise<Response> {
  const { viewer } = await requireUser(c, "write:accounts");
  const record = unwrap(await accountStub(c.env, viewer.account.id).deleteProfileImage(image));
  forgetReplacedImages(c, viewer.account, [image]);
  return json(serializeCredentialAccount(record, c));
}

/** Replaced or removed images go from the cache too (the account object deletes the files). */
function forgetReplacedImages(c: Ctx, before: AccountRecord, images: ProfileImage[]): void {
  const shown = serializeAccount(before, c);
  forgetCachedFiles(c, images.flatMap((image) => (image === "avatar" ? [shown.avatar, shown.avatar_static] : [shown.header, shown.header_static])));
}
