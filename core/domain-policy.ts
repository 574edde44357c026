import { directoryStub } from "./stubs";
import type { DomainBlockSeverity, FederationPolicyRecord } from "../schemas/admin-blocks";

/**
 * How the instance treats another server, from the moderators' domain blocks and allows
 * (objects/directory/domain-moderation.ts). Each isolate (the Worker's and each object's) keeps
 * a copy for CACHE_TTL_MS, so the directory singleton is not on the path of every inbound
 * activity or delivery (design invariant 3). A block covers the domain and its subdomains;
 * the most specific one applies. With LIMITED_FEDERATION_MODE=true only allowed domains (and
 * their subdomains) federate: every other domain is refused as if suspended.
 */
const CACHE_TTL_MS = 30_000;
let cached: { policy: FederationPolicyRecord; expires: number } | null = null;

export interface DomainPolicy {
  /** Suspended, or outside the allow-list in limited federation mode: nothing is exchanged. */
  refused: boolean;
  severity: DomainBlockSeverity | null;
  silenced: boolean;
  rejectMedia: boolean;
  rejectReports: boolean;
}

const OPEN: DomainPolicy = { refused: false, severity: null, silenced: false, rejectMedia: false, rejectReports: false };

async function policy(env: Env): Promise<FederationPolicyRecord> {
  const now = Date.now();
  if (cached && cached.expires > now) return cached.policy;
  const fresh = await directoryStub(env).federationPolicy();
  cached = { policy: fresh, expires: now + CACHE_TTL_MS };
  return fresh;
}

/** Drops this isolate's copy (after an admin change made here; tests). */
export function forgetDomainPolicy(): void {
  cached = null;
}

export function limitedFederation(env: Env): boolean {
  return (env.LIMITED_FEDERATION_MODE ?? "").trim().toLowerCase() === "true";
}

/** The host of a host[:port] or URL, lower-cased without a trailing dot; null if unreadable. */
export function hostOf(hostOrUrl: string): string | null {
  try {
    const url = hostOrUrl.includes("://") ? new URL(hostOrUrl) : new URL(`https://${hostOrUrl}`);
    return url.hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return null;
  }
}

function suffixes(host: string): string[] {
  const labels = host.split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

/** The policy for one domain, from a list already read. */
export function policyFor(list: FederationPolicyRecord, host: string, limited: boolean): DomainPolicy {
  const candidates = suffixes(host);
  const block = candidates.map((d) => list.blocks.find((b) => b.domain === d)).find((b) => b !== undefined);
  const allowed = !limited || candidates.some((d) => list.allows.includes(d));
  if (!block) return allowed ? OPEN : { ...OPEN, refused: true };
  return {
    refused: block.severity === "suspend" || !allowed,
    severity: block.severity,
    silenced: block.severity === "silence",
    rejectMedia: block.rejectMedia || block.severity === "suspend",
    rejectReports: block.rejectReports || block.severity === "suspend",
  };
}

/** The policy for `hostOrUrl`; an unreadable one is treated as open (it cannot be fetched anyway). */
export async function domainPolicy(env: Env, hostOrUrl: string, localDomain?: string): Promise<DomainPolicy> {
  const host = hostOf(hostOrUrl);
  if (!host || (localDomain && host === localDomain.toLowerCase())) return OPEN;
  const list = await policy(env);
  const limited = limitedFederation(env);
  if (!limited && list.blocks.length === 0) return OPEN;
  return policyFor(list, host, limited);
}

/** Whether nothing may be exchanged with `hostOrUrl`'s server. */
export async function isDomainRefused(env: Env, hostOrUrl: string): Promise<boolean> {
  return (await domainPolicy(env, hostOrUrl)).refused;
}

/** The policies of several hosts at once (one cache read), for filtering lists of statuses. */
export async function domainPolicies(env: Env, hosts: Iterable<string>): Promise<Map<string, DomainPolicy>> {
  const list = await policy(env);
  const limited = limitedFederation(env);
  const out = new Map<string, DomainPolicy>();
  for (const h of hosts) {
    const host = hostOf(h);
    out.set(h, host ? policyFor(list, host, limited) : OPEN);
  }
  return out;
}
