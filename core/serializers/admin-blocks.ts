import { hex } from "../../lib/bytes";
import type {
  CanonicalEmailBlockRecord,
  DomainAllowRecord,
  DomainBlockRecord,
  EmailDomainBlockRecord,
  IpBlockRecord,
} from "../../schemas/admin-blocks";

/**
 * Admin::DomainBlock, Admin::DomainAllow, Admin::EmailDomainBlock, Admin::IpBlock and
 * Admin::CanonicalEmailBlock entities (https://docs.joinmastodon.org/entities/), and the public
 * DomainBlock of `/api/v1/instance/domain_blocks`. `digest` is the SHA-256 of the domain, in hex.
 */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

export async function serializeAdminDomainBlock(b: DomainBlockRecord) {
  return {
    id: b.id,
    domain: b.domain,
    digest: await sha256Hex(b.domain),
    created_at: b.createdAt,
    severity: b.severity,
    reject_media: b.rejectMedia,
    reject_reports: b.rejectReports,
    private_comment: b.privateComment,
    public_comment: b.publicComment,
    obfuscate: b.obfuscate,
  };
}

/**
 * An obfuscated domain as shown to the public: the outer quarter of the characters at each end
 * and every dot stay, the rest become `*` (`example.social` → `exa****.***ial`).
 */
export function obfuscateDomain(domain: string): string {
  const keep = Math.floor(domain.length / 4);
  return [...domain].map((ch, i) => (ch === "." || i <= keep || i >= domain.length - keep ? ch : "*")).join("");
}

const SEVERITY_ORDER = { suspend: 0, silence: 1, noop: 2 } as const;

/**
 * The public list: silenced and suspended domains (the limits users notice), suspensions first,
 * obfuscated ones masked; comments only when the instance shows its rationale.
 */
export async function serializePublicDomainBlocks(blocks: DomainBlockRecord[], withComments: boolean) {
  const shown = blocks
    .filter((b) => b.severity !== "noop")
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.domain.localeCompare(b.domain));
  return Promise.all(
    shown.map(async (b) => ({
      domain: b.obfuscate ? obfuscateDomain(b.domain) : b.domain,
      digest: await sha256Hex(b.domain),
      severity: b.severity as "silence" | "suspend",
      comment: withComments ? b.publicComment : null,
    })),
  );
}

export function serializeDomainAllow(a: DomainAllowRecord) {
  return { id: a.id, domain: a.domain, created_at: a.createdAt };
}

export function serializeEmailDomainBlock(b: EmailDomainBlockRecord) {
  return {
    id: b.id,
    domain: b.domain,
    created_at: b.createdAt,
    allow_with_approval: b.allowWithApproval,
    history: b.history.map((h) => ({ day: String(h.day), accounts: String(h.addresses), uses: String(h.attempts) })),
  };
}

export function serializeIpBlock(b: IpBlockRecord) {
  return { id: b.id, ip: b.ip, severity: b.severity, comment: b.comment, created_at: b.createdAt, expires_at: b.expiresAt };
}

export function serializeCanonicalEmailBlock(b: CanonicalEmailBlockRecord) {
  return { id: b.id, canonical_email_hash: b.canonicalEmailHash };
}
