import type BetterSqlite3 from 'better-sqlite3';

export interface Migration {
  name: string;
  sql: string;
}

/**
 * Applies migrations the way `wrangler d1 migrations apply` does: in name order, each in
 * its own transaction, recorded in `d1_migrations`, so a database can move between the
 * embedded default and D1 with the same history. Returns the names it applied.
 */
export function applyMigrations(sqlite: BetterSqlite3.Database, migrations: readonly Migration[]): string[] {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS d1_migrations(
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
  )`);
  const applied = new Set(
    sqlite
      .prepare('SELECT name FROM d1_migrations')
      .all()
      .map((row) => (row as { name: string }).name),
  );
  const record = sqlite.prepare('INSERT INTO d1_migrations (name) VALUES (?)');
  const done: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
    if (applied.has(migration.name)) continue;
    sqlite.transaction(() => {
      sqlite.exec(migration.sql);
      record.run(migration.name);
    })();
    done.push(migration.name);
  }
  return done;
}
