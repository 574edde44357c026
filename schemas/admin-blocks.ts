/** Records of the instance-level blocks moderators keep in the directory (admin API). */

export type DomainBlockSeverity = "silence" | "suspend" | "noop";
export const DOMAIN_BLOCK_SEVERITIES: readonly DomainBlockSeverity[] = ["silence", "suspend", "noop"];

export interface DomainBlockRecord {
  id: string;
  domain: string;
  createdAt: string;
  severity: DomainBlockSeverity;
  rejectMedia: boolean;
  rejectReports: boolean;
  privateComment: string | null;
  publicComment: string | null;
  obfuscate: boolean;
}

/** What a create or update may set (absent fields keep their value, or Mastodon's default). */
export interface DomainBlockInput {
  domain?: string;
  severity?: DomainBlockSeverity;
  rejectMedia?: boolean;
  rejectReports?: boolean;
  privateComment?: string | null;
  publicComment?: string | null;
  obfuscate?: boolean;
}

export interface DomainAllowRecord {
  id: string;
  domain: string;
  createdAt: string;
}

/** The part of the lists federation checks, cached in each isolate (core/domain-policy.ts). */
export interface FederationPolicyRecord {
  blocks: { domain: string; severity: DomainBlockSeverity; rejectMedia: boolean; rejectReports: boolean }[];
  allows: string[];
}

export interface EmailDomainBlockRecord {
  id: string;
  domain: string;
  createdAt: string;
  /** Sign-ups need approval instead of being refused (Mastodon 4.3's `allow_with_approval`). */
  allowWithApproval: boolean;
  /** Sign-up attempts per day (UTC midnight, seconds) and their distinct addresses, newest first. */
  history: { day: number; attempts: number; addresses: number }[];
}

export type IpBlockSeverity = "sign_up_requires_approval" | "sign_up_block" | "no_access";
export const IP_BLOCK_SEVERITIES: readonly IpBlockSeverity[] = ["sign_up_requires_approval", "sign_up_block", "no_access"];

export interface IpBlockRecord {
  id: string;
  /** Normalised CIDR, e.g. `192.168.0.0/24`, `2001:db8::/32`. */
  ip: string;
  severity: IpBlockSeverity;
  comment: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface CanonicalEmailBlockRecord {
  id: string;
  canonicalEmailHash: string;
}

/** What a sign-up or sign-in from an address with an e-mail may do. */
export interface SignUpScreening {
  /** `sign_up_block`/`no_access` address, for sign-up. */
  refused: boolean;
  /** `sign_up_requires_approval` address. */
  requiresApproval: boolean;
  /** The e-mail's domain (or a parent) is blocked. */
  emailDomainBlocked: boolean;
  /** The e-mail's canonical form is blocked. */
  canonicalBlocked: boolean;
}

export type TrendKind = "links" | "statuses" | "tags";
export type TrendReview = "approved" | "rejected";

/** A measured figure over a range of days (admin dashboard). */
export interface MeasureSeries {
  total: number;
  previousTotal: number;
  /** One value per day from the range's first day to its last (inclusive), as ISO midnights. */
  data: { date: string; value: number }[];
}

/** Accounts registered in one period, and how many of them were active in each later one. */
export interface Cohort {
  period: string;
  frequency: "day" | "month";
  data: { date: string; rate: number; value: number }[];
}
