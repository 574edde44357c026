import type { Router } from "../router";
import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { json } from "../http/respond";
import { linkHeader, readPage } from "../http/pagination";
import { accountStub } from "../../core/stubs";
import { renderStatus } from "./statuses";
import { userToken } from "../http/auth";

/**
 * The caller's favourites and bookmarks: one call to the caller's own object, which keeps a
 * copy of each status (refreshed when the author edits it, removed when it is deleted). Paging
 * ids are the favourite/bookmark ids, as in Mastodon.
 */
export function registerFavourites(router: Router): void {
  router.get("/api/v1/favourites", (c) => saved(c, "favourites"));
  router.get("/api/v1/bookmarks", (c) => saved(c, "bookmarks"));
}

async function saved(c: Ctx, which: "favourites" | "bookmarks"): Promise<Response> {
  const auth = await userToken(c);
  const page = readPage(await c.params(), 20, 40);
  const out = unwrap(await accountStub(c.env, auth.accountId).savedStatuses(auth.token, which, page));
  const link = linkHeader(c.url, out.cursors, (id) => id);
  return json(
    out.statuses.map((s) => renderStatus(c, s, out)),
    link ? { headers: { link } } : {},
  );
}
