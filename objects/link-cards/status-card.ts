import type { PreviewCardRecord, StatusRecord } from "../../schemas/records";
import { firstCardLink } from "../../lib/link-cards/links";
import { linkCardStub } from "../../core/stubs";
import { requireInstanceOrigin } from "../federation/instance-origin";

/** How long a fan-out waits for a card before it goes on without it (a late-card job then follows). */
export const CARD_WAIT_MS = 2_000;
/** When the late-card job looks again: the link's object keeps fetching meanwhile. */
export const LATE_CARD_DELAY_MS = 15_000;
const PENDING = Symbol("pending");

/**
 * The preview card a status should carry, for the fan-out jobs of local authors
 * (objects/account/link-cards.ts) and remote ones (objects/federation/remote-fanout.ts):
 * `undefined` when its current card (or lack of one) stands, a card or `null` otherwise.
 * An edit that keeps the link keeps the card; one that removes it drops it. Never throws: a
 * card is an extra, never a reason to hold a status back.
 */
export async function cardChange(env: Env, status: StatusRecord, waitMs: number | null): Promise<PreviewCardRecord | null | undefined | typeof PENDING> {
  if (status.reblog) return undefined;
  try {
    const o = await requireInstanceOrigin(env);
    const mentionUrls = status.mentions.map((m) => m.url ?? `${o.origin}/@${m.username}`);
    const link = await firstCardLink(status.content, { localOrigin: o.origin, mentionUrls });
    if (!link) return status.card ? null : undefined;
    if (status.card?.url === link) return undefined;
    const card = linkCardStub(env, link).card(link);
    return waitMs === null ? await card : await atMost(card, waitMs);
  } catch (err) {
    console.warn("status card skipped", status.id, err instanceof Error ? err.message : err);
    return undefined;
  }
}

export interface Carded {
  status: StatusRecord;
  changed: boolean;
  /** The card was still being fetched after `waitMs`: look again later. */
  pending: boolean;
}

/** `status` with its card as `cardChange` decided, waiting at most `waitMs` (null: until the fetch ends). */
export async function withCard(env: Env, status: StatusRecord, waitMs: number | null = CARD_WAIT_MS): Promise<Carded> {
  const card = await cardChange(env, status, waitMs);
  if (card === PENDING) return { status, changed: false, pending: true };
  if (card === undefined || (card === null && !status.card)) return { status, changed: false, pending: false };
  return { status: { ...status, card }, changed: true, pending: false };
}

/** The promise's value, or PENDING if it takes longer than `ms` (it keeps running; its failure is then ignored). */
async function atMost<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const late = new Promise<typeof PENDING>((resolve) => (timer = setTimeout(() => resolve(PENDING), ms)));
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}
