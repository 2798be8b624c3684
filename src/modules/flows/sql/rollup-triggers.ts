import type { Database } from "./database"

/**
 * The day (UTC) of each changed row that analytics count, by table: its rollup day is rebuilt.
 * Statement-level triggers see a bulk write once. Each day is marked under a shared advisory lock held
 * to the end of the writing transaction; the fold takes that lock exclusively (try-lock), so it never
 * builds a day from a snapshot that misses a write still in flight (sql/rollups.ts).
 */
export const ROLLUP_SOURCES: Record<string, { day: string; where: string }> = {
  flows_message: { day: "created_at", where: "run_id IS NOT NULL" },
  flows_conversion: { day: "ordered_at", where: "true" },
  flows_contact_event: { day: "occurred_at", where: "type IN ('email.unsubscribed', 'sms.opted_out')" },
}

/**
 * Lists days whose figures changed. The plain ON CONFLICT covers both unique keys (the id is made from the
 * day): with `ON CONFLICT (day)` alone, two transactions writing a day's first rows at once collided on the
 * primary key.
 */
export const MARK_DAYS_DIRTY_FUNCTION = `CREATE OR REPLACE FUNCTION flows_mark_days_dirty(days timestamp[]) RETURNS void LANGUAGE plpgsql AS $$
   DECLARE d timestamp;
   BEGIN
     FOREACH d IN ARRAY days LOOP
       PERFORM pg_advisory_xact_lock_shared(hashtext('medusa-plugin-flows:rollup'), (extract(epoch FROM d) / 86400)::int);
     END LOOP;
     INSERT INTO flows_rollup_dirty_day (id, day)
     SELECT 'flowdirty_' || to_char(d2, 'YYYYMMDD'), d2 AT TIME ZONE 'UTC' FROM unnest(days) d2 WHERE d2 IS NOT NULL
     ON CONFLICT DO NOTHING;
   END $$;`

export const ROLLUP_TRIGGERS = [
  MARK_DAYS_DIRTY_FUNCTION,
  ...Object.entries(ROLLUP_SOURCES).flatMap(([table, { day, where }]) => [
    ...["new_rows", "old_rows"].map(
      (rows) => `CREATE OR REPLACE FUNCTION "${table}_rollup_${rows}"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM flows_mark_days_dirty(ARRAY(
           SELECT DISTINCT date_trunc('day', ${day} AT TIME ZONE 'UTC') FROM ${rows} WHERE ${where} ORDER BY 1));
         RETURN NULL;
       END $$;`
    ),
    `DROP TRIGGER IF EXISTS "${table}_rollup_insert" ON "${table}";`,
    `CREATE TRIGGER "${table}_rollup_insert" AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION "${table}_rollup_new_rows"();`,
    `DROP TRIGGER IF EXISTS "${table}_rollup_delete" ON "${table}";`,
    `CREATE TRIGGER "${table}_rollup_delete" AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION "${table}_rollup_old_rows"();`,
    // An update can move a row to another day: both days are rebuilt.
    `CREATE OR REPLACE FUNCTION "${table}_rollup_both"() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM flows_mark_days_dirty(ARRAY(
         SELECT DISTINCT date_trunc('day', ${day} AT TIME ZONE 'UTC') FROM
           (SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows) changed WHERE ${where} ORDER BY 1));
       RETURN NULL;
     END $$;`,
    `DROP TRIGGER IF EXISTS "${table}_rollup_update" ON "${table}";`,
    `CREATE TRIGGER "${table}_rollup_update" AFTER UPDATE ON "${table}" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION "${table}_rollup_both"();`,
  ]),
]

/** Lists every day that already has figures, for the fold to build (after the triggers are created). */
export const MARK_ALL_DAYS_DIRTY = `SELECT flows_mark_days_dirty(ARRAY(
  SELECT DISTINCT date_trunc('day', created_at AT TIME ZONE 'UTC') FROM flows_message WHERE run_id IS NOT NULL
  UNION SELECT DISTINCT date_trunc('day', ordered_at AT TIME ZONE 'UTC') FROM flows_conversion
  UNION SELECT DISTINCT date_trunc('day', occurred_at AT TIME ZONE 'UTC') FROM flows_contact_event
    WHERE type IN ('email.unsubscribed', 'sms.opted_out')))`

/**
 * Creates the triggers when the schema was made without the migrations (a schema sync from the models, as
 * Medusa's module test runner does), listing every day with figures, so the rollup is never read without
 * them. A migrated database has them: this is then one catalog read.
 */
export async function ensureRollupTriggers(db: Database) {
  const found = await db.first(`SELECT 1 AS ok FROM pg_trigger WHERE tgname = 'flows_message_rollup_update' LIMIT 1`)
  if (found) {
    return
  }
  await db.transaction(async (tx) => {
    await tx.rows(`SELECT pg_advisory_xact_lock(hashtext('medusa-plugin-flows:rollup-triggers'))`)
    if (await tx.first(`SELECT 1 AS ok FROM pg_trigger WHERE tgname = 'flows_message_rollup_update' LIMIT 1`)) {
      return
    }
    for (const statement of ROLLUP_TRIGGERS) {
      await tx.rows(statement)
    }
    await tx.rows(MARK_ALL_DAYS_DIRTY)
  })
}
