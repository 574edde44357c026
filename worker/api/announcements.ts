import type { Router } from "../router";
import type { Ctx } from "../context";
import { ApiError, notFound } from "../../lib/result";
import { requireUser } from "../http/auth";
import { json } from "../http/respond";

/**
 * Announcements: none can be published yet, so the list is empty (never a 404, which clients
 * read as "not Mastodon") and dismissing or reacting to one answers Mastodon's 404 for an
 * announcement that does not exist.
 */
export function registerAnnouncements(router: Router): void {
  router.get("/api/v1/announcements", async (c) => {
    await requireUser(c, "read");
    return json([]);
  });
  router.post("/api/v1/announcements/:id/dismiss", (c) => missing(c, "write:accounts"));
  router.put("/api/v1/announcements/:id/reactions/:name", (c) => missing(c, "write:favourites"));
  router.delete("/api/v1/announcements/:id/reactions/:name", (c) => missing(c, "write:favourites"));

  // No mail server: every account counts as confirmed, so there is never a confirmation to
  // resend (Mastodon's 403 for a confirmed address) and the check is always true.
  router.post("/api/v1/emails/confirmations", async (c) => {
    await requireUser(c, "write:accounts");
    throw new ApiError(403, "This method is only available while the e-mail is awaiting confirmation");
  });
  router.get("/api/v1/emails/check_confirmation", async (c) => {
    await requireUser(c, "read:accounts");
    return json(true);
  });
}

async function missing(c: Ctx, scope: string): Promise<Response> {
  await requireUser(c, scope);
  throw notFound();
}
