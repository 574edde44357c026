/**
 * Data export and import in Mastodon's formats: the RPC shapes the Worker and an account's
 * object exchange (objects/account/portability.ts) and the records they return.
 */

/** The domain-aware part of an origin (same shape as core's `Origin`, which schemas/ cannot import). */
export interface PortabilityOrigin {
  origin: string;
  domain: string;
  mediaOrigin?: string;
}

/** The CSV files, named as Mastodon names their downloads (`<name>.csv`). */
export const EXPORT_NAMES = ["following_accounts", "followers", "lists", "blocked_accounts", "muted_accounts", "blocked_domains", "bookmarks"] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];

/** Mastodon's import types (Form::Import). */
export const IMPORT_TYPES = ["following", "blocking", "muting", "domain_blocking", "bookmarks", "lists"] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];
export type ImportMode = "merge" | "overwrite";

/** Who calls: an API client's bearer token, or the web session's handle (cookie). */
export type PortabilityCaller = { token: string } | { session: string };

export type PortabilityOp =
  | { op: "export"; name: ExportName; o: PortabilityOrigin }
  | { op: "counts" }
  | { op: "import"; type: ImportType; mode: ImportMode; csv: string; filename: string; o: PortabilityOrigin }
  | { op: "imports" }
  | { op: "importDetail"; id: string }
  | { op: "importFailures"; id: string }
  | { op: "requestArchive"; o: PortabilityOrigin }
  | { op: "archives" }
  | { op: "archiveFile"; id: string };

export interface ImportRecord {
  id: string;
  type: ImportType;
  mode: ImportMode;
  filename: string;
  /** `queued` until its first batch runs, `running`, then `finished`. */
  state: "queued" | "running" | "finished";
  total: number;
  processed: number;
  failed: number;
  created_at: string;
  finished_at: string | null;
}

export interface ImportFailure {
  /** The row's line number in the uploaded file (1 = first line). */
  line: number;
  /** The row's fields as uploaded. */
  row: string[];
  error: string;
}

export interface ImportDetail extends ImportRecord {
  failures: ImportFailure[];
}

export interface ArchiveRecord {
  id: string;
  state: "queued" | "processing" | "ready" | "failed" | "expired";
  size: number | null;
  created_at: string;
  finished_at: string | null;
  /** When the file is deleted (a week after it was made). */
  expires_at: string | null;
}

/** Row counts shown beside each export (Mastodon's export page). */
export type ExportCounts = Record<ExportName, number> & { statuses: number };

/** The stored archive's R2 key, for the Worker to stream. */
export interface ArchiveFile {
  key: string;
  filename: string;
  size: number;
}
