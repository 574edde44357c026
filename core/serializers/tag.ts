
import type { Origin } from "./account";
import { tagUrl } from "./status";
import type { FeaturedTagRecord, TagRelation } from "../../schemas/records";

/**
 * Tag and FeaturedTag entities. There is no instance-wide tag table: a tag's id is derived from
 * its name (FNV-1a, 63 bits, so it is a digit string that fits a signed 64-bit integer) and is
 * the same everywhere and forever.
 */
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

export function tagId(name: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(name)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return (hash >> 1n).toString();
}

/** Uses of a tag on one UTC day (`day` = that midnight, in seconds). */
export interface TagUsage {
  day: number;
  uses: number;
  accounts: number;
}

const DAY_SECONDS = 86_400;

/** The last 7 days, newest first, as Mastodon reports them (counts as strings, 0 when unknown). */
export function tagHistory(usage: TagUsage[], now = Date.now()): { day: string; uses: string; accounts: string }[] {
  const today = Math.floor(now / 1000 / DAY_SECONDS) * DAY_SECONDS;
  return Array.from({ length: 7 }, (_, i) => {
    const day = today - i * DAY_SECONDS;
    const u = usage.find((x) => x.day === day);
    return { day: String(day), uses: String(u?.uses ?? 0), accounts: String(u?.accounts ?? 0) };
  });
}

/** Tag entity; `relation` only for a signed-in viewer (Mastodon omits following/featuring otherwise). */
export function serializeTag(name: string, o: Origin, relation: TagRelation | null, usage: TagUsage[] = []) {
  return {
    id: tagId(name),
    name,
    url: tagUrl(o, name),
    history: tagHistory(usage),
    ...(relation ? { following: relation.following, featuring: relation.featuring } : {}),
  };
}

/** FeaturedTag entity: `url` is the owner's profile filtered by the tag. */
export function serializeFeaturedTag(t: FeaturedTagRecord, o: Origin) {
  return {
    id: t.id,
    name: t.name,
    url: `${o.origin}/@${t.username}/tagged/${encodeURIComponent(t.name)}`,
    statuses_count: String(t.statuses_count),
    last_status_at: t.last_status_at ? t.last_status_at.slice(0, 10) : null,
  };
}
