import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, unwrap } from "../../lib/result";
import { requireUser, userObject } from "../http/auth";
import { json } from "../http/respond";
import { accountStub } from "../../core/stubs";
import { serializeProfile } from "../../core/serializers/profile";
import { profileUpdateSchema } from "../../schemas/accounts";
import { applyProfileUpdate } from "./credentials";

/**
 * The signed-in user's editable profile (Mastodon 4.6 Profile entity): `GET` and `PATCH
 * /api/v1/profile`. The update is update_credentials' (credentials.ts `applyProfileUpdate`),
 * plus image descriptions and the profile tab settings; removing images is in credentials.ts.
 */
export function registerProfile(router: Router): void {
  router.get("/api/v1/profile", showProfile);
  router.patch("/api/v1/profile", updateProfile);
  // Rails routes PUT to the same action; masto sends it.
  router.put("/api/v1/profile", updateProfile);
}

async function showProfile(c: Ctx): Promise<Response> {
  const { token, stub } = await userObject(c, "profile");
  return json(serializeProfile(unwrap(await stub.profile(token)), c));
}

async function updateProfile(c: Ctx): Promise<Response> {
  const { viewer } = await requireUser(c, "write:accounts");
  await applyProfileUpdate(c, viewer.account, profileUpdateSchema);
  const source = await accountStub(c.env, viewer.account.id).profileSource();
  if (!source) throw new ApiError(404, "Record not found");
  return json(serializeProfile(source, c));
}
