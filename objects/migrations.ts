/**
 * Versioned schema migrations for an object's SQLite storage. The current version is stored
 * inside the object; each migration runs once, in order, inside one transaction.
 * Call from the constructor within `blockConcurrencyWhile`.
 */
export type Migration = (sql: SqlStorage) => void;

export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[]): number {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _schema").toArray()[0];
  let version = row?.version ?? 0;
  if (!row) sql.exec("INSERT INTO _schema (version) VALUES (0)");
  while (version < migrations.length) {
    storage.transactionSync(() => {
      migrations[version](sql);
      sql.exec("UPDATE _schema SET version = ?", version + 1);
    });
    version++;
  }
  return version;
}

export function schemaVersion(sql: SqlStorage): number {
  return sql.exec<{ version: number }>("SELECT version FROM _schema").one().version;
}
