import type { AccountSnapshot, NotificationReport } from "../../schemas/records";
import type { AccountHost } from "./host";
import { addNotification } from "./notifications";

/**
 * Notifications moderators get from the directory: `admin.sign_up` for each new account and
 * `admin.report` for each new report, with the report stored beside it. Push subscriptions send
 * them when their `admin.sign_up` / `admin.report` alerts are on (push-subscriptions.ts).
 */
export function adminNotificationsSchema(sql: SqlStorage): void {
  sql.exec("ALTER TABLE notifications ADD COLUMN report_snapshot TEXT");
}

export type AdminNotification = { type: "admin.sign_up"; from: AccountSnapshot } | { type: "admin.report"; from: AccountSnapshot; report: NotificationReport };

/** Stores the notification if this account is still staff (a role may have changed since). */
export async function receiveAdminNotification(host: AccountHost, n: AdminNotification): Promise<void> {
  const me = host.record();
  if (!me || me.role === "user" || me.id === n.from.id) return;
  host.storage.transactionSync(() => addNotification(host.sql, { type: n.type, from: n.from, report: n.type === "admin.report" ? n.report : undefined }));
  await host.wake();
}
