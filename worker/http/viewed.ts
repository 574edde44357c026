import type { Ctx } from "../context";
import { unwrap } from "../../lib/result";
import { tokenOwner } from "../../lib/tokens";
import { accountStub } from "../../core/stubs";
import { originOf, publicStatusJson } from "../../core/serializers/rendered";
import { parseStatusSnapshot } from "../../objects/account/status-memo";
import { publicView, type ViewContext } from "../../objects/account/viewer";
import { bearerToken, requireCaller, type TokenAuth } from "./auth";
import { mediaRejectingHosts, withoutRefusedDomains, withoutRejectedMedia } from "../federation/domain-visibility";

/**
 * Statuses handed over as their snapshot JSON (SnapshotEntry) and answered as JSON text: the
 * viewer's object renders them for a user token, this Worker for anyone else. Neither side
 * structured-clones records, and parsing through the snapshot memo reuses the rendered part
 * every viewer shares (core/serializers/rendered.ts).
 */

/** Public and unlisted statuses among `snapshots`, as an anonymous reader sees them. */
function renderPublicly(c: Ctx, snapshots: string[], context: ViewContext): string[] {
  return publicView(snapshots.map(parseStatusSnapshot), context).map((s) => publicStatusJson(s, c));
}

/**
 * The statuses `auth`'s user may see, rendered by that user's object; anonymous without `auth`.
 * The moderators' domain blocks apply first (worker/federation/domain-visibility.ts): statuses
 * of suspended domains go, of silenced ones too in public contexts, and media a domain block
 * rejects are marked as not stored here.
 */
export async function viewJsonFor(c: Ctx, auth: TokenAuth | null, snapshots: string[], context: ViewContext, scope = "read:statuses"): Promise<string[]> {
  const { shown, rejectingMedia } = await moderated(c.env, snapshots, context === "public");
  const rendered = auth
    ? unwrap(await accountStub(c.env, auth.accountId).viewJson(auth.token, shown, context, originOf(c), scope))
    : renderPublicly(c, shown, context);
  return rejectingMedia.size === 0 ? rendered : withoutRejectedMedia(rendered.map((json) => JSON.parse(json) as object), rejectingMedia).map((s) => JSON.stringify(s));
}

/** As viewJsonFor, for reads open to any token: an app token is checked, then reads publicly. */
export async function viewJsonForCaller(c: Ctx, snapshots: string[], context: ViewContext): Promise<string[]> {
  const token = bearerToken(c);
  const owner = token ? tokenOwner(token) : null;
  if (token && owner?.kind === "user") return viewJsonFor(c, { token, accountId: owner.accountId }, snapshots, context);
  if (token) await requireCaller(c, "read:statuses");
  return viewJsonFor(c, null, snapshots, context);
}

async function moderated(env: Env, snapshots: string[], inPublic: boolean): Promise<{ shown: string[]; rejectingMedia: Set<string> }> {
  const records = snapshots.map(parseStatusSnapshot);
  const kept = await withoutRefusedDomains(env, records, { silenced: inPublic });
  const keptSet = new Set(kept);
  const shown = kept.length === records.length ? snapshots : snapshots.filter((_, i) => keptSet.has(records[i]));
  return { shown, rejectingMedia: await mediaRejectingHosts(env, kept) };
}

export const jsonArray = (entries: string[]): string => `[${entries.join(",")}]`;
