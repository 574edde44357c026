import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { tokenOwner } from "../../lib/tokens";
import { accountStub } from "../../core/stubs";
import { originOf, publicStatusJson } from "../../core/serializers/rendered";
import { parseStatusSnapshot } from "../../objects/account/status-memo";
import { publicView, type ViewContext } from "../../objects/account/viewer";
import { bearerToken, requireCaller, type TokenAuth } from "./auth";

/**
 * Statuses handed over as their snapshot JSON (SnapshotEntry) and answered as JSON text: the
 * viewer's object renders them for a user token, this Worker for anyone else. Neither side
 * structured-clones records, and parsing through the snapshot memo reuses the rendered part
 * every viewer shares (core/serializers/rendered.ts).
 */

/** Public and unlisted statuses among `snapshots`, as an anonymous reader sees them. */
export function renderPublicly(c: Ctx, snapshots: string[]): string[] {
  return publicView(snapshots.map(parseStatusSnapshot)).map((s) => publicStatusJson(s, c));
}

/** The statuses `auth`'s user may see, rendered by that user's object; anonymous without `auth`. */
export async function viewJsonFor(c: Ctx, auth: TokenAuth | null, snapshots: string[], context: ViewContext, scope = "read:statuses"): Promise<string[]> {
  if (!auth) return renderPublicly(c, snapshots);
  return unwrap(await accountStub(c.env, auth.accountId).viewJson(auth.token, snapshots, context, originOf(c), scope));
}

/** As viewJsonFor, for reads open to any token: an app token is checked, then reads publicly. */
export async function viewJsonForCaller(c: Ctx, snapshots: string[], context: ViewContext): Promise<string[]> {
  const token = bearerToken(c);
  const owner = token ? tokenOwner(token) : null;
  if (token && owner?.kind === "user") return viewJsonFor(c, { token, accountId: owner.accountId }, snapshots, context);
  if (token) await requireCaller(c, "read:statuses");
  return renderPublicly(c, snapshots);
}

export const jsonArray = (entries: string[]): string => `[${entries.join(",")}]`;
