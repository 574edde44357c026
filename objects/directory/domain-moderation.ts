import { snowflake } from "../../lib/ids";
import { fail, ok, type Result } from "../../lib/result";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import type {
  DomainAllowRecord,
  DomainBlockInput,
  DomainBlockRecord,
  DomainBlockSeverity,
  FederationPolicyRecord,
} from "../../schemas/admin-blocks";

/**
 * Instance-level domain blocks (silence, suspend, noop with media/report rejection) and domain
 * allows (limited federation mode), as Mastodon's admin API keeps them. The directory holds
 * them (rare admin writes); federation reads them through an isolate cache
 * (core/domain-policy.ts).
 */
export function domainModerationSchema(sql: SqlStorage): void {
  // The older table kept bare domains, all suspended; they keep that severity and gain an id.
  for (const col of [
    "id TEXT",
    "severity TEXT NOT NULL DEFAULT 'suspend'",
    "reject_media INTEGER NOT NULL DEFAULT 0",
    "reject_reports INTEGER NOT NULL DEFAULT 0",
    "private_comment TEXT",
    "public_comment TEXT",
    "obfuscate INTEGER NOT NULL DEFAULT 0",
  ]) sql.exec(`ALTER TABLE domain_blocks ADD COLUMN ${col}`);
  for (const { domain } of sql.exec<{ domain: string }>("SELECT domain FROM domain_blocks ORDER BY created_at").toArray()) {
    sql.exec("UPDATE domain_blocks SET id = ? WHERE domain = ?", snowflake(), domain);
  }
  sql.exec("CREATE UNIQUE INDEX domain_blocks_id ON domain_blocks (id)");
  sql.exec("CREATE TABLE domain_allows (id TEXT PRIMARY KEY, domain TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)");
}

type BlockRow = {
  id: string;
  domain: string;
  created_at: string;
  severity: string;
  reject_media: number;
  reject_reports: number;
  private_comment: string | null;
  public_comment: string | null;
  obfuscate: number;
};

function toBlock(r: BlockRow): DomainBlockRecord {
  return {
    id: r.id,
    domain: r.domain,
    createdAt: r.created_at,
    severity: r.severity as DomainBlockSeverity,
    rejectMedia: r.reject_media === 1,
    rejectReports: r.reject_reports === 1,
    privateComment: r.private_comment,
    publicComment: r.public_comment,
    obfuscate: r.obfuscate === 1,
  };
}

/**
 * Mastodon's normalisation: trimmed, no trailing slash or dot, lower-cased, IDNA (punycode).
 * Null for something that is not a host name.
 */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().replace(/\/+$/, "").replace(/\.$/, "");
  if (!trimmed || /[\s/@:?#]/.test(trimmed)) return null;
  let host: string;
  try {
    host = new URL(`https://${trimmed}`).hostname.toLowerCase();
  } catch {
    return null;
  }
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host) ? host : null;
}

/** The domain and its parents, most specific first: `a.b.c` → `a.b.c`, `b.c`, `c`. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

const SEVERITY_RANK: Record<DomainBlockSeverity, number> = { noop: 0, silence: 1, suspend: 2 };

/** Mastodon's `stricter_than?`: whether a new block does more than the existing one. */
function stricterThan(next: DomainBlockRecord, existing: DomainBlockRecord): boolean {
  if (next.severity === "suspend") return true;
  if (SEVERITY_RANK[existing.severity] > SEVERITY_RANK[next.severity]) return false;
  return (next.rejectMedia || !existing.rejectMedia) && (next.rejectReports || !existing.rejectReports);
}

export function listDomainBlocks(sql: SqlStorage, window: IdWindow): DomainBlockRecord[] {
  const w = windowSql("id", window, true);
  const rows = sql
    .exec<BlockRow>(`SELECT * FROM domain_blocks ${whereClause(w.conditions)} ORDER BY ${w.orderBy} LIMIT ?`, ...w.params, window.limit)
    .toArray();
  return newestFirst(rows, w.ascending).map(toBlock);
}

/** Every block, by domain (the instance's public list and the federation cache). */
export function allDomainBlocks(sql: SqlStorage): DomainBlockRecord[] {
  return sql.exec<BlockRow>("SELECT * FROM domain_blocks ORDER BY domain").toArray().map(toBlock);
}

export function findDomainBlock(sql: SqlStorage, id: string): DomainBlockRecord | null {
  const row = sql.exec<BlockRow>("SELECT * FROM domain_blocks WHERE id = ?", id).toArray()[0];
  return row ? toBlock(row) : null;
}

/** The block that applies to a domain: its own, else the nearest parent's (Mastodon's `rule_for`). */
function ruleFor(sql: SqlStorage, domain: string): DomainBlockRecord | null {
  for (const d of domainAndParents(domain)) {
    const row = sql.exec<BlockRow>("SELECT * FROM domain_blocks WHERE domain = ?", d).toArray()[0];
    if (row) return toBlock(row);
  }
  return null;
}

/**
 * Adds a block. A block already covering the domain (its own or a parent's) that the new one
 * would not make stricter is a 422 carrying the existing block, as Mastodon answers.
 */
export function createDomainBlock(sql: SqlStorage, input: DomainBlockInput): Result<DomainBlockRecord> | { conflict: DomainBlockRecord } {
  const domain = normalizeDomain(input.domain ?? "");
  if (!domain) return fail(422, input.domain?.trim() ? "Validation failed: Domain is not a valid domain name" : "Validation failed: Domain can't be blank");
  const block: DomainBlockRecord = {
    id: snowflake(),
    domain,
    createdAt: new Date().toISOString(),
    severity: input.severity ?? "silence",
    rejectMedia: input.rejectMedia ?? false,
    rejectReports: input.rejectReports ?? false,
    privateComment: input.privateComment ?? null,
    publicComment: input.publicComment ?? null,
    obfuscate: input.obfuscate ?? false,
  };
  const existing = ruleFor(sql, domain);
  if (existing && (existing.domain === domain || !stricterThan(block, existing))) return { conflict: existing };
  writeBlock(sql, block, "INSERT INTO");
  return ok(block);
}

export function updateDomainBlock(sql: SqlStorage, id: string, input: DomainBlockInput): DomainBlockRecord | null {
  const current = findDomainBlock(sql, id);
  if (!current) return null;
  const next: DomainBlockRecord = {
    ...current,
    severity: input.severity ?? current.severity,
    rejectMedia: input.rejectMedia ?? current.rejectMedia,
    rejectReports: input.rejectReports ?? current.rejectReports,
    privateComment: input.privateComment !== undefined ? input.privateComment : current.privateComment,
    publicComment: input.publicComment !== undefined ? input.publicComment : current.publicComment,
    obfuscate: input.obfuscate ?? current.obfuscate,
  };
  writeBlock(sql, next, "REPLACE INTO");
  return next;
}

function writeBlock(sql: SqlStorage, b: DomainBlockRecord, verb: string): void {
  sql.exec(
    `${verb} domain_blocks (id, domain, created_at, severity, reject_media, reject_reports, private_comment, public_comment, obfuscate)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    b.id,
    b.domain,
    b.createdAt,
    b.severity,
    b.rejectMedia ? 1 : 0,
    b.rejectReports ? 1 : 0,
    b.privateComment,
    b.publicComment,
    b.obfuscate ? 1 : 0,
  );
}

export function deleteDomainBlock(sql: SqlStorage, id: string): DomainBlockRecord | null {
  const current = findDomainBlock(sql, id);
  if (current) sql.exec("DELETE FROM domain_blocks WHERE id = ?", id);
  return current;
}

/** The older bare-domain calls: a suspension (idempotent), and its removal. */
export function suspendDomain(sql: SqlStorage, domain: string): void {
  const d = domain.toLowerCase();
  if (sql.exec("SELECT 1 FROM domain_blocks WHERE domain = ?", d).toArray().length) return;
  writeBlock(sql, { ...createEmpty(d), severity: "suspend" }, "INSERT INTO");
}

function createEmpty(domain: string): DomainBlockRecord {
  return {
    id: snowflake(),
    domain,
    createdAt: new Date().toISOString(),
    severity: "suspend",
    rejectMedia: false,
    rejectReports: false,
    privateComment: null,
    publicComment: null,
    obfuscate: false,
  };
}

// ----- allows -----

export function listDomainAllows(sql: SqlStorage, window: IdWindow): DomainAllowRecord[] {
  const w = windowSql("id", window, true);
  const rows = sql
    .exec<{ id: string; domain: string; created_at: string }>(
      `SELECT * FROM domain_allows ${whereClause(w.conditions)} ORDER BY ${w.orderBy} LIMIT ?`,
      ...w.params,
      window.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending).map((r) => ({ id: r.id, domain: r.domain, createdAt: r.created_at }));
}

export function findDomainAllow(sql: SqlStorage, id: string): DomainAllowRecord | null {
  const r = sql.exec<{ id: string; domain: string; created_at: string }>("SELECT * FROM domain_allows WHERE id = ?", id).toArray()[0];
  return r ? { id: r.id, domain: r.domain, createdAt: r.created_at } : null;
}

/** Adds an allow; an already allowed domain answers its existing entry (Mastodon). */
export function createDomainAllow(sql: SqlStorage, input: string): Result<DomainAllowRecord> {
  const domain = normalizeDomain(input);
  if (!domain) return fail(422, input.trim() ? "Validation failed: Domain is not a valid domain name" : "Validation failed: Domain can't be blank");
  const existing = sql.exec<{ id: string }>("SELECT id FROM domain_allows WHERE domain = ?", domain).toArray()[0];
  if (existing) return ok(findDomainAllow(sql, existing.id)!);
  const record = { id: snowflake(), domain, createdAt: new Date().toISOString() };
  sql.exec("INSERT INTO domain_allows (id, domain, created_at) VALUES (?, ?, ?)", record.id, record.domain, record.createdAt);
  return ok(record);
}

export function deleteDomainAllow(sql: SqlStorage, id: string): DomainAllowRecord | null {
  const current = findDomainAllow(sql, id);
  if (current) sql.exec("DELETE FROM domain_allows WHERE id = ?", id);
  return current;
}

export function federationPolicy(sql: SqlStorage): FederationPolicyRecord {
  return {
    blocks: allDomainBlocks(sql).map((b) => ({ domain: b.domain, severity: b.severity, rejectMedia: b.rejectMedia, rejectReports: b.rejectReports })),
    allows: sql.exec<{ domain: string }>("SELECT domain FROM domain_allows").toArray().map((r) => r.domain),
  };
}
