import { domainPolicy, forgetDomainPolicy } from "../../core/domain-policy";

/**
 * Federation domain checks made before any key is fetched or body parsed: a suspended domain
 * (or, in limited federation mode, one not allowed) is refused. The lists and their isolate
 * cache are in core/domain-policy.ts. A block covers the domain and all its subdomains.
 */

/** Drops the isolate's copy (after an admin change in this isolate; tests). */
export function forgetDomainBlocks(): void {
  forgetDomainPolicy();
}

/** Whether `hostOrUrl` (a host[:port] or a URL) is refused, itself or through a parent domain. */
export async function isDomainBlocked(env: Env, hostOrUrl: string): Promise<boolean> {
  return (await domainPolicy(env, hostOrUrl)).refused;
}
