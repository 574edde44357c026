import { directoryStub } from "../../core/stubs";

/**
 * Federation domain blocks, checked before any key is fetched or body parsed. The list lives in
 * the DirectoryObject (rare admin writes); each isolate keeps a copy for CACHE_TTL_MS so that
 * the directory singleton is not on the path of every inbound activity (design invariant 3).
 * A block covers the domain and all its subdomains.
 */
const CACHE_TTL_MS = 30_000;
let cached: { domains: Set<string>; expires: number } | null = null;

async function blockedDomains(env: Env): Promise<Set<string>> {
  const now = Date.now();
  if (cached && cached.expires > now) return cached.domains;
  const domains = new Set(await directoryStub(env).domainBlocks());
  cached = { domains, expires: now + CACHE_TTL_MS };
  return domains;
}

/** Drops the isolate's copy (after an admin change in this isolate; tests). */
export function forgetDomainBlocks(): void {
  cached = null;
}

/** Whether `hostOrUrl` (a host[:port] or a URL) is blocked, itself or through a parent domain. */
export async function isDomainBlocked(env: Env, hostOrUrl: string): Promise<boolean> {
  let host: string;
  try {
    host = hostOrUrl.includes("://") ? new URL(hostOrUrl).hostname : new URL(`https://${hostOrUrl}`).hostname;
  } catch {
    return false;
  }
  const blocked = await blockedDomains(env);
  if (blocked.size === 0) return false;
  const labels = host.toLowerCase().replace(/\.$/, "").split(".");
  for (let i = 0; i < labels.length; i++) if (blocked.has(labels.slice(i).join("."))) return true;
  return false;
}
