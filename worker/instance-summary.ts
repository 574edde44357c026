import type { AccountRecord, CustomEmojiRecord } from "../schemas/records";
import { accountStub, directoryStub } from "../core/stubs";
import { type InstanceStats, type WeekActivity, weekStarts } from "../core/serializers/instance";
import { instanceVapidKey } from "./api/apps";

/**
 * Instance-wide figures read from the singleton DirectoryObject, cached in the Worker isolate
 * so that the hot public endpoints (the instance entities, nodeinfo) do not reach the
 * singleton on every request (design invariant 3). Only resolved values are cached: a promise
 * must not be shared across requests in Workers, so concurrent misses each load once.
 */
export const INSTANCE_CACHE_TTL_MS = 60_000;

export interface InstanceData {
  stats: InstanceStats;
  contactAccount: AccountRecord | null;
  vapidPublicKey: string;
}

type Loader<T> = (env: Env) => Promise<T>;

/** Wraps `load` in a single-entry cache with a time to live. */
export function cachedLoader<T>(ttlMs: number, load: Loader<T>): Loader<T> & { clear(): void } {
  let entry: { value: T; expires: number } | null = null;
  const get = async (env: Env) => {
    if (entry && entry.expires > Date.now()) return entry.value;
    const value = await load(env);
    entry = { value, expires: Date.now() + ttlMs };
    return value;
  };
  return Object.assign(get, { clear: () => void (entry = null) });
}

export const instanceData = cachedLoader(INSTANCE_CACHE_TTL_MS, async (env): Promise<InstanceData> => {
  const [summary, vapidPublicKey] = await Promise.all([directoryStub(env).instanceSummary(), instanceVapidKey(env)]);
  const contactAccount = summary.contactAccountId ? await accountStub(env, summary.contactAccountId).get() : null;
  return {
    stats: {
      users: summary.users,
      activeMonth: summary.activeMonth,
      activeHalfyear: summary.activeHalfyear,
      localPosts: summary.localPosts,
      domains: summary.peers,
    },
    contactAccount,
    vapidPublicKey,
  };
});

export const ACTIVITY_WEEKS = 12;

/** Weekly buckets, newest first: local statuses posted, accounts active, registrations. */
export const weeklyActivity = cachedLoader(INSTANCE_CACHE_TTL_MS, async (env): Promise<WeekActivity[]> => {
  const starts = weekStarts(Date.now(), ACTIVITY_WEEKS);
  const weeks = await directoryStub(env).weeklyActivity(starts.map((s) => new Date(s).toISOString()));
  return starts.map((start, i) => ({ start, statuses: weeks[i]?.statuses ?? 0, logins: weeks[i]?.logins ?? 0, registrations: weeks[i]?.registrations ?? 0 }));
});

export const peers = cachedLoader(INSTANCE_CACHE_TTL_MS, (env) => directoryStub(env).peers());

export const customEmojis = cachedLoader(INSTANCE_CACHE_TTL_MS, (env): Promise<CustomEmojiRecord[]> => directoryStub(env).customEmojis());

/** Forgets everything cached (tests use it after changing what the directory holds). */
export function clearInstanceCaches(): void {
  instanceData.clear();
  weeklyActivity.clear();
  peers.clear();
  customEmojis.clear();
}
