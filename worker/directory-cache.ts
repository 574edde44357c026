import type { DirectoryEntry } from "../objects/directory/directory-object";
import { directoryStub } from "../core/stubs";

/**
 * In-isolate cache of username → directory entry, so that the directory singleton is not on the
 * path of every profile lookup (design invariant 3). Only hits are cached: a username registered
 * a moment ago must be found at once. An entry can be up to TTL stale (a changed role or
 * approval); callers that need the truth read the account's own object.
 */
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

const byUsername = new Map<string, { entry: DirectoryEntry; expires: number }>();

export async function findLocalUsername(env: Env, username: string): Promise<DirectoryEntry | null> {
  const key = username.toLowerCase();
  const now = Date.now();
  const cached = byUsername.get(key);
  if (cached && cached.expires > now) return cached.entry;
  const entry = await directoryStub(env).findByUsername(key);
  if (entry) {
    if (byUsername.size >= MAX_ENTRIES) byUsername.clear();
    byUsername.set(key, { entry, expires: now + TTL_MS });
  } else {
    byUsername.delete(key);
  }
  return entry;
}

/** Drops a cached username (a rejected registration frees it) so this isolate stops finding it at once. */
export function forgetLocalUsername(username: string): void {
  byUsername.delete(username.toLowerCase());
}
