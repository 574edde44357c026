/**
 * Storage wrappers that tell an object when a memo of some rows may be stale: a statement
 * writing one of the watched tables, or a synchronous transaction that rolled back (a memo
 * refreshed inside it may hold values that were never committed).
 */

const WRITE_TARGET = /^\s*(?:UPDATE(?:\s+OR\s+\w+)?|INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+["`]?(\w+)/i;

/** The table a data-modifying statement writes, or null for reads and DDL. */
export function writtenTable(query: string): string | null {
  return WRITE_TARGET.exec(query)?.[1]?.toLowerCase() ?? null;
}

/** A SqlStorage that calls `onWrite(table)` before each statement that writes a table. */
export function watchTableWrites(sql: SqlStorage, onWrite: (table: string) => void): SqlStorage {
  const watching: Pick<SqlStorage, "exec"> = {
    exec(query: string, ...bindings: unknown[]) {
      const table = writtenTable(query);
      if (table) onWrite(table);
      return sql.exec(query, ...bindings);
    },
  };
  return new Proxy(sql, {
    get: (target, prop) => (prop === "exec" ? watching.exec : Reflect.get(target, prop, target)),
  }) as SqlStorage;
}

export function watchRollbacks(storage: DurableObjectStorage, onRollback: () => void): DurableObjectStorage {
  const transactionSync = <T>(run: () => T): T => {
    try {
      return storage.transactionSync(run);
    } catch (err) {
      onRollback();
      throw err;
    }
  };
  return new Proxy(storage, {
    get: (target, prop) => {
      if (prop === "transactionSync") return transactionSync;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as DurableObjectStorage;
}
