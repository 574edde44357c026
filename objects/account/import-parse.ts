import { csvParseRows } from "d3-dsv";
import { fail, ok, type Result } from "../../lib/result";
import type { ImportType } from "../../schemas/portability";

/**
 * Reading an uploaded CSV as Mastodon's Form::Import does: a known first header means the file
 * has headers (columns are then found by name, in any order); otherwise the columns are in
 * Mastodon's export order. Blank rows are skipped. Each kept row becomes one item to apply,
 * with its line number for the failure report.
 */

/** Mastodon's limits (Form::Import): a 20 MB file of at most 20,000 rows. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 20_000;

export type ImportItem =
  | { kind: "account"; acct: string; reblogs?: boolean; notify?: boolean; languages?: string[] | null; hideNotifications?: boolean }
  | { kind: "status"; uri: string }
  | { kind: "domain"; domain: string }
  | { kind: "listMember"; list: string; acct: string };

export interface ParsedRow {
  line: number;
  row: string[];
  item: ImportItem | null;
  /** Why the row cannot be used, when item is null. */
  error?: string;
}

const FIRST_HEADERS: Record<ImportType, string> = {
  following: "Account address",
  blocking: "Account address",
  muting: "Account address",
  domain_blocking: "#domain",
  bookmarks: "#uri",
  lists: "List name",
};

function bool(value: string | undefined, fallback: boolean): boolean {
  const v = value?.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  return fallback;
}

function cleanAcct(value: string | undefined): string {
  return (value ?? "").trim().replace(/^@/, "");
}

function accountItem(type: ImportType, cell: (name: string, index: number) => string | undefined): ImportItem {
  const acct = cleanAcct(cell("Account address", 0));
  if (type === "following") {
    const languages = cell("Languages", 3)?.trim();
    return {
      kind: "account",
      acct,
      reblogs: bool(cell("Show boosts", 1), true),
      notify: bool(cell("Notify on new posts", 2), false),
      languages: languages ? languages.split(",").map((l) => l.trim()).filter(Boolean) : null,
    };
  }
  if (type === "muting") return { kind: "account", acct, hideNotifications: bool(cell("Hide notifications", 1), true) };
  return { kind: "account", acct };
}

function itemOf(type: ImportType, cell: (name: string, index: number) => string | undefined): { item: ImportItem | null; error?: string } {
  switch (type) {
    case "following":
    case "blocking":
    case "muting": {
      const item = accountItem(type, cell);
      return item.kind === "account" && !/^[^@\s]+(@[^@\s]+)?$/.test(item.acct) ? { item: null, error: "Invalid account address" } : { item };
    }
    case "bookmarks": {
      const uri = (cell("#uri", 0) ?? "").trim();
      return /^https?:\/\/\S+$/.test(uri) ? { item: { kind: "status", uri } } : { item: null, error: "Invalid post URL" };
    }
    case "domain_blocking": {
      const domain = (cell("#domain", 0) ?? "").trim().toLowerCase();
      return domain ? { item: { kind: "domain", domain } } : { item: null, error: "Invalid domain" };
    }
    case "lists": {
      const list = (cell("List name", 0) ?? "").trim();
      const acct = cleanAcct(cell("Account address", 1));
      if (!list) return { item: null, error: "Missing list name" };
      if (!/^[^@\s]+(@[^@\s]+)?$/.test(acct)) return { item: null, error: "Invalid account address" };
      return { item: { kind: "listMember", list, acct } };
    }
  }
}

/** The file's rows, or a 422 naming what is wrong with the file as a whole. */
export function parseImport(type: ImportType, text: string): Result<ParsedRow[]> {
  const rows = csvParseRows(text.replace(/^\uFEFF/, ""));
  const withLines = rows.map((row, i) => ({ row, line: i + 1 })).filter(({ row }) => row.some((c) => c.trim() !== ""));
  if (withLines.length === 0) return fail(422, "Validation failed: Data is an empty CSV file");
  const first = withLines[0].row;
  const headers = first[0]?.trim() === FIRST_HEADERS[type] ? first.map((h) => h.trim()) : null;
  const body = headers ? withLines.slice(1) : withLines;
  if (body.length === 0) return fail(422, "Validation failed: Data is an empty CSV file");
  if (body.length > IMPORT_MAX_ROWS) return fail(422, `Validation failed: Data contains more than ${IMPORT_MAX_ROWS} rows`);
  return ok(
    body.map(({ row, line }) => {
      const cell = (name: string, index: number) => (headers ? (headers.indexOf(name) >= 0 ? row[headers.indexOf(name)] : undefined) : row[index]);
      return { line, row, ...itemOf(type, cell) };
    }),
  );
}
