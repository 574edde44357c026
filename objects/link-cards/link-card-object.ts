import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "../migrations";
import type { PreviewCardRecord } from "../../schemas/records";
import { requireInstanceOrigin } from "../federation/instance-origin";
import { buildCard } from "./build-card";
import { resolveCreator } from "./creator";

/**
 * One object per linked address (`idFromName(<normalised URL>)`): the cache of that link's
 * preview card, so a link shared by many statuses (local or arriving by federation) is fetched
 * once, and concurrent askers share one fetch. No object sits on every request: only status
 * fan-out jobs ask, once per status with a link. A card is kept two weeks (Mastodon refetches
 * older ones); a failed fetch is remembered for an hour.
 */
const CARD_TTL_MS = 14 * 86_400_000;
const FAILURE_TTL_MS = 3_600_000;

const MIGRATIONS: readonly Migration[] = [(sql) => sql.exec("CREATE TABLE card (url TEXT PRIMARY KEY, card TEXT, fetched_at INTEGER NOT NULL)")];

export class LinkCardObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private inflight: Promise<PreviewCardRecord | null> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, MIGRATIONS));
  }

  /** The card of `url` (the normalised link this object is named after), fetched if not fresh. */
  async card(url: string): Promise<PreviewCardRecord | null> {
    const row = this.sql.exec<{ card: string | null; fetched_at: number }>("SELECT card, fetched_at FROM card WHERE url = ?", url).toArray()[0];
    if (row && Date.now() - row.fetched_at < (row.card ? CARD_TTL_MS : FAILURE_TTL_MS)) return row.card ? JSON.parse(row.card) : null;
    this.inflight ??= this.refresh(url).finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async refresh(url: string): Promise<PreviewCardRecord | null> {
    let card: PreviewCardRecord | null = null;
    try {
      const draft = await buildCard(url, this.env);
      if (draft) {
        const { creator, ...fields } = draft;
        const account = creator ? await resolveCreator(this.env, await requireInstanceOrigin(this.env), creator) : null;
        const name = fields.author_name || account?.display_name || account?.username || "";
        const authorUrl = fields.author_url || account?.url || "";
        card = { ...fields, authors: account || name ? [{ name, url: authorUrl, account }] : [] };
      }
    } catch (err) {
      console.warn("link card not fetched", url, err instanceof Error ? err.message : err);
    }
    this.sql.exec("INSERT OR REPLACE INTO card (url, card, fetched_at) VALUES (?, ?, ?)", url, card ? JSON.stringify(card) : null, Date.now());
    return card;
  }
}
