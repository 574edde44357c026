import type { AccountSnapshot, FilterMatch, NotificationGroupRecord, NotificationPage, NotificationRecord, NotificationReport, NotificationType, PageCursor, StatusRecord, ViewerFlags } from "../../schemas/records";
import { fail, ok, type Result } from "../../lib/result";
import { newestFirst, whereClause, windowSql, type IdWindow } from "../paging";
import { parseStatusSnapshot } from "./status-memo";
import { activeFilters, applyFilters } from "./filters";
import { flagsFor, selectIn } from "./viewer";

/**
 * Reading this account's notifications: the v1 list and the v2 grouped view, unread counts
 * against the notifications marker, dismissal. Notification ids are generated when the row
 * is written, so their text order is their numeric order and the primary key serves paging.
 * Notifications from blocked accounts, accounts that block us, and accounts muted with
 * notifications are hidden at read time (addNotification also skips them at write time), and
 * so are notifications the policy filtered (notification-policy.ts) unless the query asks for
 * them: `include_filtered`, or one sender's notifications (`account_id`), as Mastodon's
 * `browserable` scope.
 */

export interface NotificationQuery extends IdWindow {
  types?: NotificationType[];
  excludeTypes?: NotificationType[];
  accountId?: string;
  includeFiltered?: boolean;
}

export interface GroupedQuery extends NotificationQuery {
  /** Types whose notifications are grouped (default favourite, follow, reblog). */
  groupedTypes?: NotificationType[];
}

export interface GroupedPage {
  groups: NotificationGroupRecord[];
  accounts: AccountSnapshot[];
  statuses: StatusRecord[];
  flags: Record<string, ViewerFlags>;
  filtered: Record<string, FilterMatch[]>;
  cursor: PageCursor | null;
}

type Row = {
  id: string;
  type: string;
  from_account_id: string;
  from_snapshot: string;
  status_id: string | null;
  status_snapshot: string | null;
  group_key: string;
  created_at: string;
  report_snapshot: string | null;
};

const GROUPABLE: NotificationType[] = ["favourite", "follow", "reblog", "admin.sign_up"];
const SAMPLE_ACCOUNTS = 8;
const MAX_ROUNDS = 4;

/** Conditions every read shares: the query's type/account filters and hidden actors. */
function baseConditions(q: NotificationQuery): { conditions: string[]; params: SqlStorageValue[] } {
  const conditions = [
    "from_account_id NOT IN (SELECT account_id FROM blocks)",
    "from_account_id NOT IN (SELECT account_id FROM blocked_by)",
    "from_account_id NOT IN (SELECT account_id FROM mutes WHERE notifications = 1 AND (expires_at IS NULL OR expires_at > ?))",
  ];
  const params: SqlStorageValue[] = [new Date().toISOString()];
  if (!q.includeFiltered && !q.accountId) conditions.push("filtered = 0");
  if (q.types?.length) {
    conditions.push(`type IN (${q.types.map(() => "?").join(",")})`);
    params.push(...q.types);
  }
  if (q.excludeTypes?.length) {
    conditions.push(`type NOT IN (${q.excludeTypes.map(() => "?").join(",")})`);
    params.push(...q.excludeTypes);
  }
  if (q.accountId) {
    conditions.push("from_account_id = ?");
    params.push(q.accountId);
  }
  return { conditions, params };
}

function toRecord(r: Row): NotificationRecord {
  return {
    id: r.id,
    type: r.type as NotificationType,
    created_at: r.created_at,
    group_key: r.group_key,
    account: JSON.parse(r.from_snapshot) as AccountSnapshot,
    status: r.status_snapshot ? parseStatusSnapshot(r.status_snapshot) : null,
    ...(r.report_snapshot ? { report: JSON.parse(r.report_snapshot) as NotificationReport } : {}),
  };
}

// ----- v1 -----

export function readNotifications(sql: SqlStorage, me: string, q: NotificationQuery): NotificationPage {
  const base = baseConditions(q);
  const filters = activeFilters(sql, "notifications");
  const shown: NotificationRecord[] = [];
  const filtered: Record<string, FilterMatch[]> = {};
  let window: IdWindow = { ...q };
  let first: string | undefined;
  let last: string | undefined;
  for (let round = 0; round < MAX_ROUNDS && shown.length < q.limit; round++) {
    const win = windowSql("id", window, false);
    const rows = sql
      .exec<Row>(
        `SELECT * FROM notifications ${whereClause([...base.conditions, ...win.conditions])} ORDER BY ${win.orderBy} LIMIT ?`,
        ...base.params,
        ...win.params,
        q.limit,
      )
      .toArray();
    if (rows.length === 0) break;
    const records = rows.map(toRecord);
    const result = applyFilters(filters, records, (n) => n.status);
    Object.assign(filtered, result.filtered);
    const kept = new Set(result.kept.map((n) => n.id));
    for (const n of records) {
      first ??= n.id;
      last = n.id;
      if (kept.has(n.id)) shown.push(n);
      if (shown.length === q.limit) break;
    }
    if (rows.length < q.limit) break;
    window = win.ascending ? { ...window, minId: last, sinceId: undefined } : { ...window, maxId: last };
  }
  const ascending = q.minId !== undefined;
  const notifications = newestFirst(shown, ascending);
  const statuses = notifications.flatMap((n) => (n.status ? [n.status] : []));
  return {
    notifications,
    flags: flagsFor(sql, me, statuses),
    filtered,
    cursor: first && last ? (ascending ? { newest: last, oldest: first } : { newest: first, oldest: last }) : null,
  };
}

export function getNotification(sql: SqlStorage, me: string, id: string): Result<NotificationPage> {
  const base = baseConditions({ limit: 1 });
  const row = sql.exec<Row>(`SELECT * FROM notifications ${whereClause([...base.conditions, "id = ?"])}`, ...base.params, id).toArray()[0];
  if (!row) return fail(404, "Record not found");
  const n = toRecord(row);
  const filters = applyFilters(activeFilters(sql, "notifications"), [n], (x) => x.status);
  return ok({ notifications: [n], flags: flagsFor(sql, me, n.status ? [n.status] : []), filtered: filters.filtered, cursor: null });
}

export function dismissNotification(sql: SqlStorage, id: string): Result<Record<string, never>> {
  if (!sql.exec("SELECT 1 FROM notifications WHERE id = ?", id).toArray().length) return fail(404, "Record not found");
  sql.exec("DELETE FROM notifications WHERE id = ?", id);
  return ok({});
}

export function clearNotifications(sql: SqlStorage): void {
  sql.exec("DELETE FROM notifications");
}

function markerId(sql: SqlStorage): string | null {
  return sql.exec<{ last_read_id: string }>("SELECT last_read_id FROM markers WHERE timeline = 'notifications'").toArray()[0]?.last_read_id ?? null;
}

/** Notifications newer than the notifications marker, counted up to `limit`. */
export function unreadCount(sql: SqlStorage, q: NotificationQuery): number {
  const base = baseConditions(q);
  const since = markerId(sql);
  const conditions = since ? [...base.conditions, "id > ?"] : base.conditions;
  const params = since ? [...base.params, since] : base.params;
  return sql.exec<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM notifications ${whereClause(conditions)} LIMIT ?)`, ...params, q.limit).one().n;
}

// ----- v2: grouped -----

type Slim = { id: string; type: string; group_key: string; created_at: string };

function effectiveKey(r: Slim, grouped: NotificationType[]): string {
  return grouped.includes(r.type as NotificationType) && !r.group_key.startsWith("ungrouped-") ? r.group_key : `ungrouped-${r.id}`;
}

/**
 * Mastodon's paginate_groups: walk notifications in id order and keep the first one of each
 * group until `limit` groups; the page spans those first notifications. Only small columns
 * are read while walking; snapshots are parsed for the page's groups alone.
 */
export function readGroupedNotifications(sql: SqlStorage, me: string, q: GroupedQuery): GroupedPage {
  const grouped = q.groupedTypes?.length ? q.groupedTypes.filter((t) => GROUPABLE.includes(t)) : GROUPABLE;
  const base = baseConditions(q);
  const firsts = new Map<string, Slim>();
  const scanned: { key: string; row: Slim }[] = [];
  let window: IdWindow = { ...q };
  const chunk = Math.max(q.limit * 2, 50);
  scan: for (;;) {
    const w = windowSql("id", window, false);
    const rows = sql
      .exec<Slim>(
        `SELECT id, type, group_key, created_at FROM notifications ${whereClause([...base.conditions, ...w.conditions])} ORDER BY ${w.orderBy} LIMIT ?`,
        ...base.params,
        ...w.params,
        chunk,
      )
      .toArray();
    for (const row of rows) {
      const key = effectiveKey(row, grouped);
      if (!firsts.has(key)) {
        if (firsts.size === q.limit) break scan;
        firsts.set(key, row);
      }
      scanned.push({ key, row });
    }
    if (rows.length < chunk) break;
    const lastId = rows[rows.length - 1].id;
    window = w.ascending ? { ...window, minId: lastId, sinceId: undefined } : { ...window, maxId: lastId };
  }
  if (firsts.size === 0) return { groups: [], accounts: [], statuses: [], flags: {}, filtered: {}, cursor: null };

  const firstIds = [...firsts.values()].map((r) => r.id).sort();
  const lo = firstIds[0];
  const hi = firstIds[firstIds.length - 1];
  const inPage = scanned.filter(({ row }) => row.id >= lo && row.id <= hi);
  const groups = [...firsts.keys()].map((key) => describeGroup(sql, key, inPage.filter((s) => s.key === key).map((s) => s.row), hi, base));
  groups.sort((a, b) => (a.most_recent_notification_id < b.most_recent_notification_id ? 1 : -1));
  return completeGroups(sql, me, groups, { newest: hi, oldest: lo });
}

/** One group's counts and sample accounts, as of the page's newest notification `hi`. */
function describeGroup(
  sql: SqlStorage,
  key: string,
  pageRows: Slim[],
  hi: string,
  base: { conditions: string[]; params: SqlStorageValue[] },
): NotificationGroupRecord & { sample_rows: string[] } {
  const newest = pageRows.reduce((a, b) => (a.id > b.id ? a : b));
  const oldest = pageRows.reduce((a, b) => (a.id < b.id ? a : b));
  const ungrouped = key.startsWith("ungrouped-");
  const where = whereClause([...base.conditions, "group_key = ?", "id <= ?"]);
  const count = ungrouped ? 1 : sql.exec<{ n: number }>(`SELECT count(*) AS n FROM notifications ${where}`, ...base.params, key, hi).one().n;
  const samples = ungrouped
    ? [{ id: newest.id }]
    : sql.exec<{ id: string }>(`SELECT id FROM notifications ${where} ORDER BY id DESC LIMIT ?`, ...base.params, key, hi, SAMPLE_ACCOUNTS).toArray();
  return {
    group_key: key,
    type: newest.type as NotificationType,
    notifications_count: count,
    most_recent_notification_id: newest.id,
    page_min_id: oldest.id,
    page_max_id: newest.id,
    latest_page_notification_at: newest.created_at,
    sample_account_ids: [],
    status_id: null,
    sample_rows: samples.map((s) => s.id),
  };
}

/** Fills sample accounts and statuses from the snapshots of the groups' notifications. */
function completeGroups(sql: SqlStorage, me: string, groups: (NotificationGroupRecord & { sample_rows: string[] })[], cursor: PageCursor | null): GroupedPage {
  const rowIds = [...new Set(groups.flatMap((g) => [g.most_recent_notification_id, ...g.sample_rows]))];
  const rows = new Map(
    selectIn<{ id: string; from_account_id: string; from_snapshot: string; status_id: string | null; status_snapshot: string | null; report_snapshot: string | null }>(
      sql,
      (p) => `SELECT id, from_account_id, from_snapshot, status_id, status_snapshot, report_snapshot FROM notifications WHERE id IN (${p})`,
      rowIds,
    ).map((r) => [r.id, r]),
  );
  const accounts = new Map<string, AccountSnapshot>();
  const statuses = new Map<string, StatusRecord>();
  const out: NotificationGroupRecord[] = [];
  for (const { sample_rows, ...g } of groups) {
    const ids: string[] = [];
    for (const rowId of sample_rows) {
      const r = rows.get(rowId);
      if (!r || ids.includes(r.from_account_id)) continue;
      ids.push(r.from_account_id);
      if (!accounts.has(r.from_account_id)) accounts.set(r.from_account_id, JSON.parse(r.from_snapshot) as AccountSnapshot);
    }
    const newest = rows.get(g.most_recent_notification_id);
    if (newest?.status_id && newest.status_snapshot && !statuses.has(newest.status_id)) {
      statuses.set(newest.status_id, parseStatusSnapshot(newest.status_snapshot));
    }
    const report = newest?.report_snapshot ? { report: JSON.parse(newest.report_snapshot) as NotificationReport } : {};
    out.push({ ...g, sample_account_ids: ids, status_id: newest?.status_id ?? null, ...report });
  }
  const { kept, filtered } = applyFilters(activeFilters(sql, "notifications"), [...statuses.values()], (s) => s);
  const keptIds = new Set(kept.map((s) => s.id));
  const visibleGroups = out.filter((g) => g.status_id === null || keptIds.has(g.status_id));
  return { groups: visibleGroups, accounts: [...accounts.values()], statuses: kept, flags: flagsFor(sql, me, kept), filtered, cursor };
}

/** `/api/v2/notifications/:group_key`: the whole group as one page. */
export function getNotificationGroup(sql: SqlStorage, me: string, key: string): Result<GroupedPage> {
  const base = baseConditions({ limit: 1 });
  const rows = groupRows(sql, key, base);
  if (rows.length === 0) return fail(404, "Record not found");
  const hi = rows[0].id;
  const group = describeGroup(sql, key, rows, hi, base);
  return ok(completeGroups(sql, me, [group], null));
}

function groupRows(sql: SqlStorage, key: string, base: { conditions: string[]; params: SqlStorageValue[] }): Slim[] {
  const ungrouped = key.match(/^ungrouped-(\d{1,20})$/);
  const [column, value] = ungrouped ? ["id", ungrouped[1]] : ["group_key", key];
  return sql
    .exec<Slim>(`SELECT id, type, group_key, created_at FROM notifications ${whereClause([...base.conditions, `${column} = ?`])} ORDER BY id DESC`, ...base.params, value)
    .toArray();
}

/** Accounts of a group, newest first, paged by notification id. */
export function notificationGroupAccounts(sql: SqlStorage, key: string, w: IdWindow): Result<{ accounts: AccountSnapshot[]; cursor: PageCursor | null }> {
  const base = baseConditions({ limit: 1 });
  const ungrouped = key.match(/^ungrouped-(\d{1,20})$/);
  const [column, value] = ungrouped ? ["id", ungrouped[1]] : ["group_key", key];
  if (!sql.exec(`SELECT 1 FROM notifications WHERE ${column} = ? LIMIT 1`, value).toArray().length) return fail(404, "Record not found");
  const win = windowSql("id", w, false);
  const rows = sql
    .exec<{ id: string; from_snapshot: string }>(
      `SELECT id, from_snapshot FROM notifications ${whereClause([...base.conditions, `${column} = ?`, ...win.conditions])} ORDER BY ${win.orderBy} LIMIT ?`,
      ...base.params,
      value,
      ...win.params,
      w.limit,
    )
    .toArray();
  const ordered = newestFirst(rows, win.ascending);
  return ok({
    accounts: ordered.map((r) => JSON.parse(r.from_snapshot) as AccountSnapshot),
    cursor: ordered.length ? { newest: ordered[0].id, oldest: ordered[ordered.length - 1].id } : null,
  });
}

export function dismissNotificationGroup(sql: SqlStorage, key: string): Result<Record<string, never>> {
  const ungrouped = key.match(/^ungrouped-(\d{1,20})$/);
  const [column, value] = ungrouped ? ["id", ungrouped[1]] : ["group_key", key];
  if (!sql.exec(`SELECT 1 FROM notifications WHERE ${column} = ? LIMIT 1`, value).toArray().length) return fail(404, "Record not found");
  sql.exec(`DELETE FROM notifications WHERE ${column} = ?`, value);
  return ok({});
}

/** Groups with a notification newer than the notifications marker, counted up to `limit`. */
export function unreadGroupCount(sql: SqlStorage, q: GroupedQuery): number {
  const grouped = q.groupedTypes?.length ? q.groupedTypes.filter((t) => GROUPABLE.includes(t)) : GROUPABLE;
  const base = baseConditions(q);
  const since = markerId(sql);
  const conditions = since ? [...base.conditions, "id > ?"] : base.conditions;
  const params: SqlStorageValue[] = since ? [...base.params, since] : [...base.params];
  const groupedList = grouped.length ? grouped.map(() => "?").join(",") : "NULL";
  const key = `CASE WHEN type IN (${groupedList}) AND group_key NOT LIKE 'ungrouped-%' THEN group_key ELSE 'ungrouped-' || id END`;
  return sql
    .exec<{ n: number }>(`SELECT count(*) AS n FROM (SELECT DISTINCT ${key} FROM notifications ${whereClause(conditions)} LIMIT ?)`, ...grouped, ...params, q.limit)
    .one().n;
}
