import type { Knex, SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import type { Context } from "@medusajs/framework/types"
import { retryDelayMs } from "../channels/retry"

// A raw SQL row: each statement's caller knows its columns, and reads them as the statement returns them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Row = Record<string, any>

/**
 * Raw SQL for what the generated CRUD cannot express atomically: claiming due runs
 * with SKIP LOCKED, insert-if-absent on unique keys and updates fenced by a claim token.
 */
export class Database {
  constructor(private readonly manager: SqlEntityManager) {}

  /**
   * The Database of a Medusa shared context: the caller's transaction when it has one, so a module
   * write joins it (and rolls back with it); otherwise the request's own manager.
   */
  static of(context: Context): Database {
    return new Database((context.transactionManager ?? context.manager) as SqlEntityManager)
  }

  async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return await this.manager.execute(sql, params)
  }

  /**
   * Runs a statement that carries many values, such as a group's insert of rendered messages, with each `?`
   * sent as a bound parameter (no lists: one value per `?`). `rows` has MikroORM write every value into the
   * SQL text, which for a statement carrying many message bodies copies the whole text once per value.
   */
  async bulkRows(sql: string, params: unknown[]): Promise<Row[]> {
    const query = this.manager.getKnex().raw(sql, params as Knex.RawBinding[])
    const transaction = this.manager.getTransactionContext<Knex.Transaction>()
    if (transaction) {
      query.transacting(transaction)
    }
    return ((await query) as { rows: Row[] }).rows
  }

  async first(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    const [row] = await this.rows(sql, params)
    return row
  }

  /** Runs `work` in one transaction (a savepoint inside a caller's); the Database it receives is bound to it. */
  async transaction<T>(work: (tx: Database) => Promise<T>): Promise<T> {
    return await this.manager.transactional(async (em) => work(new Database(em as SqlEntityManager)))
  }
}

/**
 * Runs a write again when it fails (a dropped connection, a lock timeout), a few times with backoff:
 * for bookkeeping that must not be lost, such as a send the provider already accepted.
 */
export async function withWriteRetries<T>(write: () => Promise<T>, attempts = 4, baseDelayMs = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write()
    } catch (error) {
      if (attempt >= attempts) {
        throw error
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt, baseDelayMs, baseDelayMs * 8)))
    }
  }
}

export function json(value: unknown): string {
  return JSON.stringify(value ?? null)
}
