import { snowflake } from "../../lib/ids";
import { fail, ok, type Result } from "../../lib/result";
import { cidrContains, formatCidr, parseCidr } from "../../lib/cidr";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import { domainAndParents, normalizeDomain } from "./domain-moderation";
import type {
  CanonicalEmailBlockRecord,
  EmailDomainBlockRecord,
  IpBlockRecord,
  IpBlockSeverity,
  SignUpScreening,
} from "../../schemas/admin-blocks";

/**
 * What moderators block at the door: e-mail domains (and their subdomains), canonical e-mail
 * addresses (SHA-256 of the canonical form, lib/canonical-email.ts) and IP ranges. Sign-up and
 * sign-in ask `screen` (worker/api/accounts.ts, web sign-in); a refused sign-up counts in the
 * e-mail domain block's history, as Mastodon's.
 */
export function signUpBlocksSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE email_domain_blocks (
    id TEXT PRIMARY KEY, domain TEXT NOT NULL UNIQUE, allow_with_approval INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)`);
  sql.exec(`CREATE TABLE email_domain_block_attempts (
    block_id TEXT NOT NULL, day INTEGER NOT NULL, address TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (block_id, day, address))`);
  sql.exec(`CREATE TABLE ip_blocks (
    id TEXT PRIMARY KEY, ip TEXT NOT NULL UNIQUE, severity TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL, expires_at TEXT)`);
  sql.exec("CREATE TABLE canonical_email_blocks (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)");
}

const DAY_SECONDS = 86_400;
const HISTORY_DAYS = 7;

function paged<R>(sql: SqlStorage, table: string, window: IdWindow, extra: string[] = []): R[] {
  const w = windowSql("id", window, true);
  const rows = sql
    .exec<R & Record<string, SqlStorageValue>>(
      `SELECT * FROM ${table} ${whereClause([...extra, ...w.conditions])} ORDER BY ${w.orderBy} LIMIT ?`,
      ...w.params,
      window.limit,
    )
    .toArray();
  return newestFirst(rows, w.ascending) as R[];
}

const taken = (field: string) => fail(422, `Validation failed: ${field} has already been taken`);

// ----- e-mail domains -----

type EmailRow = { id: string; domain: string; allow_with_approval: number; created_at: string };

function emailHistory(sql: SqlStorage, id: string, now = Date.now()): EmailDomainBlockRecord["history"] {
  const today = Math.floor(now / 1000 / DAY_SECONDS) * DAY_SECONDS;
  const rows = sql
    .exec<{ day: number; attempts: number; addresses: number }>(
      "SELECT day, sum(attempts) AS attempts, count(*) AS addresses FROM email_domain_block_attempts WHERE block_id = ? AND day > ? GROUP BY day",
      id,
      today - HISTORY_DAYS * DAY_SECONDS,
    )
    .toArray();
  return Array.from({ length: HISTORY_DAYS }, (_, i) => {
    const day = today - i * DAY_SECONDS;
    const r = rows.find((x) => x.day === day);
    return { day, attempts: r?.attempts ?? 0, addresses: r?.addresses ?? 0 };
  });
}

function toEmailBlock(sql: SqlStorage, r: EmailRow): EmailDomainBlockRecord {
  return { id: r.id, domain: r.domain, createdAt: r.created_at, allowWithApproval: r.allow_with_approval === 1, history: emailHistory(sql, r.id) };
}

export function listEmailDomainBlocks(sql: SqlStorage, window: IdWindow): EmailDomainBlockRecord[] {
  return paged<EmailRow>(sql, "email_domain_blocks", window).map((r) => toEmailBlock(sql, r));
}

export function findEmailDomainBlock(sql: SqlStorage, id: string): EmailDomainBlockRecord | null {
  const r = sql.exec<EmailRow>("SELECT * FROM email_domain_blocks WHERE id = ?", id).toArray()[0];
  return r ? toEmailBlock(sql, r) : null;
}

export function createEmailDomainBlock(sql: SqlStorage, input: { domain: string; allowWithApproval: boolean }): Result<EmailDomainBlockRecord> {
  const domain = normalizeDomain(input.domain);
  if (!domain) return fail(422, input.domain.trim() ? "Validation failed: Domain is not a valid domain name" : "Validation failed: Domain can't be blank");
  if (sql.exec("SELECT 1 FROM email_domain_blocks WHERE domain = ?", domain).toArray().length) return taken("Domain");
  const id = snowflake();
  sql.exec(
    "INSERT INTO email_domain_blocks (id, domain, allow_with_approval, created_at) VALUES (?, ?, ?, ?)",
    id,
    domain,
    input.allowWithApproval ? 1 : 0,
    new Date().toISOString(),
  );
  return ok(findEmailDomainBlock(sql, id)!);
}

export function deleteEmailDomainBlock(sql: SqlStorage, id: string): boolean {
  sql.exec("DELETE FROM email_domain_block_attempts WHERE block_id = ?", id);
  return sql.exec("DELETE FROM email_domain_blocks WHERE id = ?", id).rowsWritten > 0;
}

// ----- IP ranges -----

type IpRow = { id: string; ip: string; severity: string; comment: string; created_at: string; expires_at: string | null };

const toIpBlock = (r: IpRow): IpBlockRecord => ({
  id: r.id,
  ip: r.ip,
  severity: r.severity as IpBlockSeverity,
  comment: r.comment,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** Expired blocks go when anything reads the list (Mastodon purges them on a schedule). */
function dropExpiredIpBlocks(sql: SqlStorage): void {
  sql.exec("DELETE FROM ip_blocks WHERE expires_at IS NOT NULL AND expires_at <= ?", new Date().toISOString());
}

export function listIpBlocks(sql: SqlStorage, window: IdWindow): IpBlockRecord[] {
  dropExpiredIpBlocks(sql);
  return paged<IpRow>(sql, "ip_blocks", window).map(toIpBlock);
}

export function findIpBlock(sql: SqlStorage, id: string): IpBlockRecord | null {
  dropExpiredIpBlocks(sql);
  const r = sql.exec<IpRow>("SELECT * FROM ip_blocks WHERE id = ?", id).toArray()[0];
  return r ? toIpBlock(r) : null;
}

export interface IpBlockInput {
  ip?: string;
  severity?: IpBlockSeverity;
  comment?: string;
  /** Seconds from now; null clears the expiry. */
  expiresIn?: number | null;
}

export function saveIpBlock(sql: SqlStorage, id: string | null, input: IpBlockInput): Result<IpBlockRecord> {
  const current = id ? findIpBlock(sql, id) : null;
  if (id && !current) return fail(404, "Record not found");
  const ipText = input.ip ?? current?.ip ?? "";
  const range = parseCidr(ipText);
  if (!ipText.trim()) return fail(422, "Validation failed: Ip can't be blank");
  if (!range) return fail(422, "Validation failed: Ip is invalid");
  const severity = input.severity ?? current?.severity;
  if (!severity) return fail(422, "Validation failed: Severity can't be blank");
  const ip = formatCidr(range);
  const clash = sql.exec<{ id: string }>("SELECT id FROM ip_blocks WHERE ip = ?", ip).toArray()[0];
  if (clash && clash.id !== id) return taken("Ip");
  const expiresAt =
    input.expiresIn === undefined ? (current?.expiresAt ?? null) : input.expiresIn === null ? null : new Date(Date.now() + input.expiresIn * 1000).toISOString();
  const record: IpBlockRecord = {
    id: id ?? snowflake(),
    ip,
    severity,
    comment: input.comment ?? current?.comment ?? "",
    createdAt: current?.createdAt ?? new Date().toISOString(),
    expiresAt,
  };
  sql.exec(
    "REPLACE INTO ip_blocks (id, ip, severity, comment, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    record.id,
    record.ip,
    record.severity,
    record.comment,
    record.createdAt,
    record.expiresAt,
  );
  return ok(record);
}

export function deleteIpBlock(sql: SqlStorage, id: string): boolean {
  return sql.exec("DELETE FROM ip_blocks WHERE id = ?", id).rowsWritten > 0;
}

/** The severities of the blocks containing an address. */
export function addressSeverities(sql: SqlStorage, address: string): Set<IpBlockSeverity> {
  dropExpiredIpBlocks(sql);
  const found = new Set<IpBlockSeverity>();
  for (const r of sql.exec<IpRow>("SELECT * FROM ip_blocks").toArray()) {
    const range = parseCidr(r.ip);
    if (range && cidrContains(range, address)) found.add(r.severity as IpBlockSeverity);
  }
  return found;
}

// ----- canonical e-mails -----

const toCanonical = (r: { id: string; hash: string }): CanonicalEmailBlockRecord => ({ id: r.id, canonicalEmailHash: r.hash });

export function listCanonicalEmailBlocks(sql: SqlStorage, window: IdWindow): CanonicalEmailBlockRecord[] {
  return paged<{ id: string; hash: string }>(sql, "canonical_email_blocks", window).map(toCanonical);
}

export function findCanonicalEmailBlock(sql: SqlStorage, id: string): CanonicalEmailBlockRecord | null {
  const r = sql.exec<{ id: string; hash: string }>("SELECT * FROM canonical_email_blocks WHERE id = ?", id).toArray()[0];
  return r ? toCanonical(r) : null;
}

export function canonicalEmailBlocksMatching(sql: SqlStorage, hash: string): CanonicalEmailBlockRecord[] {
  return sql.exec<{ id: string; hash: string }>("SELECT * FROM canonical_email_blocks WHERE hash = ?", hash).toArray().map(toCanonical);
}

export function createCanonicalEmailBlock(sql: SqlStorage, hash: string): Result<CanonicalEmailBlockRecord> {
  if (!/^[0-9a-f]{64}$/.test(hash)) return fail(422, "Validation failed: Canonical email hash is invalid");
  if (canonicalEmailBlocksMatching(sql, hash).length) return taken("Canonical email hash");
  const id = snowflake();
  sql.exec("INSERT INTO canonical_email_blocks (id, hash, created_at) VALUES (?, ?, ?)", id, hash, new Date().toISOString());
  return ok({ id, canonicalEmailHash: hash });
}

export function deleteCanonicalEmailBlock(sql: SqlStorage, id: string): boolean {
  return sql.exec("DELETE FROM canonical_email_blocks WHERE id = ?", id).rowsWritten > 0;
}

// ----- the door -----

/**
 * What a sign-up from `address` with `email` (whose canonical hash is `canonicalHash`) may do.
 * A blocked e-mail domain records the attempt in its history.
 */
export function screenSignUp(sql: SqlStorage, input: { email: string; canonicalHash: string; address: string | null }): SignUpScreening {
  const severities = input.address ? addressSeverities(sql, input.address) : new Set<IpBlockSeverity>();
  const domain = normalizeDomain(input.email.slice(input.email.lastIndexOf("@") + 1));
  let emailDomainBlocked = false;
  let requiresApproval = severities.has("sign_up_requires_approval");
  for (const d of domain ? domainAndParents(domain) : []) {
    const block = sql.exec<EmailRow>("SELECT * FROM email_domain_blocks WHERE domain = ?", d).toArray()[0];
    if (!block) continue;
    if (block.allow_with_approval === 1) requiresApproval = true;
    else emailDomainBlocked = true;
    const day = Math.floor(Date.now() / 1000 / DAY_SECONDS) * DAY_SECONDS;
    sql.exec(
      `INSERT INTO email_domain_block_attempts (block_id, day, address) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET attempts = attempts + 1`,
      block.id,
      day,
      input.address ?? "",
    );
    break;
  }
  return {
    refused: severities.has("sign_up_block") || severities.has("no_access"),
    requiresApproval,
    emailDomainBlocked,
    canonicalBlocked: canonicalEmailBlocksMatching(sql, input.canonicalHash).length > 0,
  };
}
