import { domainPolicies, hostOf, type DomainPolicy } from "../../core/domain-policy";
import type { StatusRecord } from "../../schemas/records";

/**
 * What the moderators' domain blocks do to reads of what the instance already knows: statuses of
 * suspended domains (or, in limited federation mode, of domains not allowed) are left out;
 * silenced domains are left out of public timelines; media of domains whose media are rejected
 * are shown as Mastodon shows media it did not store: `unknown`, with no URL of ours, only the
 * `remote_url` on their server.
 */
function authorHost(s: StatusRecord): string | null {
  const uri = s.account.uri;
  return uri ? hostOf(uri) : null;
}

function hostsOf(statuses: StatusRecord[]): Set<string> {
  const hosts = new Set<string>();
  for (const s of statuses) {
    for (const r of s.reblog ? [s, s.reblog] : [s]) {
      const h = authorHost(r);
      if (h) hosts.add(h);
    }
  }
  return hosts;
}

async function policiesOf(env: Env, statuses: StatusRecord[]): Promise<Map<string, DomainPolicy>> {
  const hosts = hostsOf(statuses);
  return hosts.size ? domainPolicies(env, hosts) : new Map();
}

/** Statuses without those of refused domains (and, with `silenced`, of silenced ones). */
export async function withoutRefusedDomains(env: Env, statuses: StatusRecord[], opts: { silenced?: boolean } = {}): Promise<StatusRecord[]> {
  const policies = await policiesOf(env, statuses);
  if (policies.size === 0) return statuses;
  const hidden = (s: StatusRecord) => {
    const p = policies.get(authorHost(s) ?? "");
    return p !== undefined && (p.refused || (opts.silenced === true && p.silenced));
  };
  return statuses.filter((s) => !hidden(s) && !(s.reblog && hidden(s.reblog)));
}

/** Hosts (among these statuses' authors) whose media are rejected. */
export async function mediaRejectingHosts(env: Env, statuses: StatusRecord[]): Promise<Set<string>> {
  const policies = await policiesOf(env, statuses);
  return new Set([...policies].filter(([, p]) => p.rejectMedia).map(([h]) => h));
}

type Serialized = { uri?: unknown; media_attachments?: unknown; reblog?: unknown };

function stripMedia(s: Serialized, hosts: Set<string>): Serialized {
  const host = typeof s.uri === "string" ? hostOf(s.uri) : null;
  const out: Serialized = { ...s };
  if (host && hosts.has(host) && Array.isArray(s.media_attachments)) {
    out.media_attachments = s.media_attachments.map((m: Record<string, unknown>) => ({ ...m, type: "unknown", url: null, preview_url: null }));
  }
  if (s.reblog && typeof s.reblog === "object") out.reblog = stripMedia(s.reblog as Serialized, hosts);
  return out;
}

/** Serialized statuses (and their boosted ones) from those hosts with their attachments marked as not stored here. */
export function withoutRejectedMedia<T extends object>(body: T[], hosts: Set<string>): T[] {
  return hosts.size === 0 ? body : body.map((s) => stripMedia(s as Serialized, hosts) as T);
}
