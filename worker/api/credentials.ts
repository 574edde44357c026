import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { requireUser, userObject } from "../http/auth";
import { json, jsonText } from "../http/respond";
import { originOf } from "../../core/serializers/rendered";
import { accountStub } from "../../core/stubs";
import { POSTING_LANGUAGES } from "../../core/instance-settings";
import { serializeCredentialAccount } from "../../core/serializers/account";
import { parseOrFail, updateCredentialsSchema, validationFailed } from "../../schemas/accounts";
import type { Params } from "../http/body";
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
  const params = await c.params();
  if (hasUpload(params, "avatar") || hasUpload(params, "header")) {
    // Media storage comes with the media issue; until then say so instead of ignoring the file.
    throw new ApiError(422, "Avatar and header uploads are not supported yet");
  }
  const update = parseOrFail(updateCredentialsSchema, params);
  if (update.language && !POSTING_LANGUAGES.includes(update.language)) {
    throw validationFailed({ "source.language": [{ error: "ERR_INCLUSION", description: "is not a supported language" }] });
  }
  const record = unwrap(await accountStub(c.env, viewer.account.id).updateProfile(update));
  return json(serializeCredentialAccount(record, c));
}

function hasUpload(params: Params, name: string): boolean {
  const value = params[name];
  return value instanceof File || (typeof value === "string" && value !== "") || (value !== null && typeof value === "object");
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
  return json(serializeCredentialAccount(record, c));
}
