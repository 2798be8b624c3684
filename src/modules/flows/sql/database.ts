import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"

export type Row = Record<string, any>

/**
 * Raw SQL for what the generated CRUD cannot express atomically: claiming due runs
 * with SKIP LOCKED, insert-if-absent on unique keys and updates fenced by a claim token.
 */
export class Database {
  constructor(private readonly manager: SqlEntityManager) {}

  async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return await this.manager.execute(sql, params as any[])
  }

  async first(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    const [row] = await this.rows(sql, params)
    return row
  }

  /** Runs `work` in one transaction; the Database it receives is bound to it. */
  async transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    return await this.manager.transactional(async (em) => work(new Database(em as SqlEntityManager)))
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null)
}
