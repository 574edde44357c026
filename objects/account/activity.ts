import type { AccountHost } from "./host";
import { queueDirectorySync } from "./directory-sync";
import { lastActiveAt } from "./activity-figures";

/**
 * When the account was last active, for the instance's figures (monthly active users, logins
 * per week): as Mastodon's UserTrackingConcern, an authenticated request marks it at most once
 * a day (the directory gets it with the next profile sync). Kept in its own table so that
 * writing it forgets no memo of the account or its pages.
 */
export const ACTIVITY_TABLE_SQL = "CREATE TABLE activity (id INTEGER PRIMARY KEY CHECK (id = 1), last_active_at TEXT NOT NULL)";

const MARK_EVERY_MS = 24 * 3600 * 1000;

export class ActivityTracker {
  /** When the stored mark was made (ms), once read; undefined = not read yet. */
  private markedAt: number | undefined;

  /** Marks the account active unless it was marked in the last day; true if it wrote (then `wake()`). */
  note(host: AccountHost): boolean {
    const now = Date.now();
    if (this.markedAt === undefined) {
      const stored = lastActiveAt(host.sql);
      this.markedAt = stored ? Date.parse(stored) : -Infinity;
    }
    if (now - this.markedAt < MARK_EVERY_MS) return false;
    host.storage.transactionSync(() => {
      host.sql.exec("INSERT OR REPLACE INTO activity (id, last_active_at) VALUES (1, ?)", new Date(now).toISOString());
      queueDirectorySync(host);
    });
    this.markedAt = now;
    return true;
  }

  forget(): void {
    this.markedAt = undefined;
  }
}
