import { Migration } from "@medusajs/framework/mikro-orm/migrations";
import { MARK_ALL_DAYS_DIRTY, ROLLUP_TRIGGERS } from "../sql/rollup-triggers";


export class Migration20261201053855 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_rollup_dirty_day" drop constraint if exists "flows_rollup_dirty_day_day_unique";`);
    this.addSql(`alter table if exists "flows_revenue_adjustment" drop constraint if exists "flows_revenue_adjustment_dedupe_key_unique";`);
    this.addSql(`alter table if exists "flows_daily_stat" drop constraint if exists "flows_daily_stat_day_flow_id_step_id_channel_currency_code_unique";`);
    this.addSql(`create table if not exists "flows_daily_stat" ("id" text not null, "day" timestamptz not null, "flow_id" text not null, "step_id" text not null default '', "channel" text not null default '', "currency_code" text not null default '', "sent" integer not null default 0, "delivered" integer not null default 0, "opened" integer not null default 0, "machine_opened" integer not null default 0, "clicked" integer not null default 0, "failed" integer not null default 0, "converted" integer not null default 0, "canceled" integer not null default 0, "unsubscribed" integer not null default 0, "revenue" numeric not null default 0, "refunded" numeric not null default 0, "raw_revenue" jsonb not null default '{"value":"0","precision":20}', "raw_refunded" jsonb not null default '{"value":"0","precision":20}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_daily_stat_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_daily_stat_deleted_at" ON "flows_daily_stat" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_daily_stat_day_flow_id_step_id_channel_currency_code_unique" ON "flows_daily_stat" ("day", "flow_id", "step_id", "channel", "currency_code") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_daily_stat_flow_id_day" ON "flows_daily_stat" ("flow_id", "day") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_revenue_adjustment" ("id" text not null, "dedupe_key" text not null, "order_id" text not null, "conversion_id" text not null, "kind" text check ("kind" in ('refund', 'cancel')) not null, "amount" numeric not null, "currency_code" text not null, "occurred_at" timestamptz not null, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_revenue_adjustment_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_revenue_adjustment_deleted_at" ON "flows_revenue_adjustment" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_revenue_adjustment_dedupe_key_unique" ON "flows_revenue_adjustment" ("dedupe_key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_revenue_adjustment_order_id" ON "flows_revenue_adjustment" ("order_id") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_rollup_dirty_day" ("id" text not null, "day" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_rollup_dirty_day_pkey" primary key ("id"));`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_rollup_dirty_day_day_unique" ON "flows_rollup_dirty_day" ("day") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_rollup_dirty_day_deleted_at" ON "flows_rollup_dirty_day" ("deleted_at") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_conversion" add column if not exists "refunded_amount" numeric not null default 0, add column if not exists "canceled_at" timestamptz null, add column if not exists "raw_refunded_amount" jsonb not null default '{"value":"0","precision":20}';`);

    this.addSql(`alter table if exists "flows_message" add column if not exists "machine_opened_at" timestamptz null;`);

    // Click-through per link reads one flow's clicks over a period (sql/analytics.ts linkClicks).
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_event_clicks_flow_id_occurred_at" ON "flows_contact_event" ("flow_id", "occurred_at") WHERE type IN ('email.clicked', 'sms.clicked') AND deleted_at IS NULL;`);
    for (const statement of ROLLUP_TRIGGERS) {
      this.addSql(statement);
    }
    // Every day that already has figures is built by the fold job (jobs/fold-analytics-rollups.ts);
    // until then, analytics read those days from the raw tables as before.
    this.addSql(MARK_ALL_DAYS_DIRTY);
  }

  override async down(): Promise<void> {
    for (const table of ["flows_message", "flows_conversion", "flows_contact_event"]) {
      for (const op of ["insert", "update", "delete"]) {
        this.addSql(`drop trigger if exists "${table}_rollup_${op}" on "${table}";`);
      }
    }
    this.addSql(`drop function if exists flows_mark_days_dirty(timestamp[]);`);
    for (const table of ["flows_message", "flows_conversion", "flows_contact_event"]) {
      for (const rows of ["new_rows", "old_rows", "both"]) {
        this.addSql(`drop function if exists "${table}_rollup_${rows}"();`);
      }
    }
    this.addSql(`DROP INDEX IF EXISTS "IDX_flows_contact_event_clicks_flow_id_occurred_at";`);
    this.addSql(`drop table if exists "flows_daily_stat" cascade;`);

    this.addSql(`drop table if exists "flows_revenue_adjustment" cascade;`);

    this.addSql(`drop table if exists "flows_rollup_dirty_day" cascade;`);

    this.addSql(`alter table if exists "flows_conversion" drop column if exists "refunded_amount", drop column if exists "canceled_at", drop column if exists "raw_refunded_amount";`);

    this.addSql(`alter table if exists "flows_message" drop column if exists "machine_opened_at";`);
  }

}
