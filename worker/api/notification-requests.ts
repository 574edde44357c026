import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError } from "../../lib/result";
import { requireUser } from "../http/auth";
import { json } from "../http/respond";

/**
 * Notification filtering (Mastodon 4.3's policy and requests). This server does not filter
 * notifications yet: every notification is accepted. So the policy reads "accept" everywhere,
 * setting it to anything else is refused (422) rather than stored and ignored, and there are
 * never any requests: the list is empty and a request id is unknown.
 */
export function registerNotificationRequests(router: Router): void {
  router.get("/api/v2/notifications/policy", (c) => policy(c, "read:notifications"));
  router.patch("/api/v2/notifications/policy", updatePolicy);
  router.get("/api/v1/notifications/requests", async (c) => {
    await requireUser(c, "read:notifications");
    return json([]);
  });
  router.get("/api/v1/notifications/requests/merged", async (c) => {
    await requireUser(c, "read:notifications");
    return json({ merged: true });
  });
  router.get("/api/v1/notifications/requests/:id", unknownRequest("read:notifications"));
  router.post("/api/v1/notifications/requests/:id/accept", unknownRequest("write:notifications"));
  router.post("/api/v1/notifications/requests/:id/dismiss", unknownRequest("write:notifications"));
  // The bulk forms answer an empty object whatever the ids: there is nothing to accept or dismiss.
  router.post("/api/v1/notifications/requests/accept", async (c) => {
    await requireUser(c, "write:notifications");
    return json({});
  });
  router.post("/api/v1/notifications/requests/dismiss", async (c) => {
    await requireUser(c, "write:notifications");
    return json({});
  });
}

const POLICY_KEYS = ["for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts"] as const;
const VALUES = new Set(["accept", "filter", "drop"]);

async function policy(c: Ctx, scope: string): Promise<Response> {
  await requireUser(c, scope);
  return json(acceptAll());
}

function acceptAll() {
  return {
    ...Object.fromEntries(POLICY_KEYS.map((k) => [k, "accept"])),
    summary: { pending_requests_count: 0, pending_notifications_count: 0 },
  };
}

async function updatePolicy(c: Ctx): Promise<Response> {
  await requireUser(c, "write:notifications");
  const params = await c.params();
  for (const key of POLICY_KEYS) {
    const value = params[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" || !VALUES.has(value)) {
      throw new ApiError(422, `Validation failed: ${key} must be accept, filter or drop`, { details: { [key]: [{ error: "ERR_INCLUSION", description: "is not included in the list" }] } });
    }
    if (value !== "accept") throw new ApiError(422, `Validation failed: notification filtering is not available on this server (${key} can only be accept)`);
  }
  return json(acceptAll());
}

function unknownRequest(scope: string) {
  return async (c: Ctx): Promise<Response> => {
    await requireUser(c, scope);
    throw new ApiError(404, "Record not found");
  };
}
