/**
 * Storage wrappers that tell an object when a memo of some rows may be stale: a statement
 * writing one of the watched tables, or a synchronous transaction that rolled back (a memo
 * refreshed inside it may hold values that were never committed).
 */

const WRITE_TARGET = /^\s*(UPDATE(?:\s+OR\s+\w+)?|INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+["`]?(\w+)/i;

/** The table a data-modifying statement writes, or null for reads and DDL. */
export function writtenTable(query: string): string | null {
  return WRITE_TARGET.exec(query)?.[2]?.toLowerCase() ?? null;
}

/** What a statement writes: the table, and whether it may add rows (INSERT, REPLACE); null for reads and DDL. */
export function tableWrite(query: string): { table: string; adds: boolean } | null {
  const match = WRITE_TARGET.exec(query);
  return match ? { table: match[2].toLowerCase(), adds: /^(INSERT|REPLACE)/i.test(match[1]) } : null;
}

/** A SqlStorage that calls `onWrite(table, adds)` before each statement that writes a table. */
export function watchTableWrites(sql: SqlStorage, onWrite: (table: string, adds: boolean) => void): SqlStorage {
  const watching: Pick<SqlStorage, "exec"> = {
    exec(query: string, ...bindings: unknown[]) {
      const write = tableWrite(query);
      if (write) onWrite(write.table, write.adds);
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
