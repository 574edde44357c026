import type { Router } from "../router";
import type { Ctx } from "../context";
import { notFound } from "../../lib/result";
import { requireCaller, requireUser } from "../http/auth";
import { json } from "../http/respond";
import { routeId } from "../http/account-pages";
import { accountStub } from "../../core/stubs";
import { remoteActorUriOf } from "../../objects/federation/account-owners";

/**
 * Endpoints of features this server does not have, answered as Mastodon answers without them:
 * - `POST /api/v1/statuses/:id/translate`: no translation service is configured
 *   (`configuration.translation.enabled` is false), so every status is a 404, as Mastodon's
 *   TranslationsController answers a TranslationService::NotConfiguredError. The status is
 *   not looked up: a visible one and an unknown one get the same answer.
 * - `GET /api/v1/accounts/:id/identity_proofs`: removed in Mastodon 3.5, an empty list for any
 *   known account.
 * `GET /api/v1/timelines/direct` (removed in Mastodon 3.0) stays unrouted: a 404 like any
 * unknown path.
 */
export function registerAbsentFeatures(router: Router): void {
  router.post("/api/v1/statuses/:id/translate", translate);
  router.get("/api/v1/accounts/:id/identity_proofs", identityProofs);
}

async function translate(c: Ctx): Promise<Response> {
  await requireCaller(c, "read:statuses");
  throw notFound();
}

async function identityProofs(c: Ctx): Promise<Response> {
  await requireUser(c, null);
  const id = routeId(c);
  const known = (await remoteActorUriOf(c.env, id)) !== null || (await accountStub(c.env, id).get()) !== null;
  if (!known) throw notFound();
  return json([]);
}
