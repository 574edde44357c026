import type { PreviewCardRecord, StatusRecord } from "../../schemas/records";
import { firstCardLink } from "../../lib/link-cards/links";
import { linkCardStub } from "../../core/stubs";
import { requireInstanceOrigin } from "../federation/instance-origin";

/**
 * The preview card a status should carry, for the fan-out jobs of local authors
 * (objects/account/link-cards.ts) and remote ones (objects/federation/remote-fanout.ts):
 * `undefined` when its current card (or lack of one) stands, a card or `null` otherwise.
 * An edit that keeps the link keeps the card; one that removes it drops it. Never throws: a
 * card is an extra, never a reason to hold a status back.
 */
export async function cardChange(env: Env, status: StatusRecord): Promise<PreviewCardRecord | null | undefined> {
  if (status.reblog) return undefined;
  try {
    const o = await requireInstanceOrigin(env);
    const mentionUrls = status.mentions.map((m) => m.url ?? `${o.origin}/@${m.username}`);
    const link = await firstCardLink(status.content, { localOrigin: o.origin, mentionUrls });
    if (!link) return status.card ? null : undefined;
    if (status.card?.url === link) return undefined;
    return await linkCardStub(env, link).card(link);
  } catch (err) {
    console.warn("status card skipped", status.id, err instanceof Error ? err.message : err);
    return undefined;
  }
}

/** `status` with its card as `cardChange` decided, and whether that changed anything. */
export async function withCard(env: Env, status: StatusRecord): Promise<{ status: StatusRecord; changed: boolean }> {
  const card = await cardChange(env, status);
  if (card === undefined || (card === null && !status.card)) return { status, changed: false };
  return { status: { ...status, card }, changed: true };
}
