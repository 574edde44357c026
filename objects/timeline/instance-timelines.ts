import type { StatusRecord } from "../../schemas/records";
import { publicTimelineStub, tagTimelineStub } from "../../core/stubs";

/**
 * Where a status goes on the instance-wide timelines, for local authors' fan-out
 * (objects/account/fanout.ts) and remote authors' (objects/federation/remote-fanout.ts) alike:
 * the public timeline (listed, or only catalogued for search and tag uses) and hashtag timelines.
 */

/** Mastodon's public timeline leaves out boosts and replies to others; hashtag timelines keep replies. */
export function onPublicTimeline(s: StatusRecord): boolean {
  return s.visibility === "public" && !s.reblog && (s.in_reply_to_id === null || s.in_reply_to_account_id === s.account.id);
}

export function onTagTimelines(s: StatusRecord): boolean {
  return s.visibility === "public" && !s.reblog && s.tags.length > 0;
}

export async function addToInstanceTimelines(env: Env, status: StatusRecord): Promise<void> {
  if (onPublicTimeline(status)) await publicTimelineStub(env).add(status);
  // Public replies to others are not listed, but are searchable and count as hashtag uses.
  else if (status.visibility === "public" && !status.reblog) await publicTimelineStub(env).catalog(status);
  if (onTagTimelines(status)) await Promise.all(status.tags.map((tag) => tagTimelineStub(env, tag).add(status)));
}

/** An edited status (not a boost): replaced where it is, added to or removed from hashtag timelines. */
export async function updateInstanceTimelines(env: Env, status: StatusRecord, quiet = false): Promise<void> {
  const previous = (await publicTimelineStub(env).update(status, quiet)) ?? [];
  if (!onTagTimelines(status) && previous.length === 0) return;
  const current = new Set(onTagTimelines(status) ? status.tags : []);
  const all = new Set([...current, ...previous]);
  await Promise.all(
    [...all].map(async (tag) => {
      const stub = tagTimelineStub(env, tag);
      if (!current.has(tag)) return void (await stub.remove(status.id));
      if ((await stub.update(status, quiet)) === null) await stub.add(status);
    }),
  );
}

/** A deleted status (not a boost): off the public timeline and catalog, and off its hashtags' timelines. */
export async function removeFromInstanceTimelines(env: Env, id: string, tags: string[]): Promise<void> {
  const listed = (await publicTimelineStub(env).remove(id)) ?? [];
  await Promise.all([...new Set([...tags, ...listed])].map((tag) => tagTimelineStub(env, tag).remove(id)));
}
