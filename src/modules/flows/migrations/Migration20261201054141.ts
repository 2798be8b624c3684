import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201054141 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_split_assignment" drop constraint if exists "flows_split_assignment_run_id_split_id_unique";`);
    this.addSql(`alter table if exists "flows_run_order" drop constraint if exists "flows_run_order_run_id_order_id_unique";`);
    this.addSql(`create table if not exists "flows_run_order" ("id" text not null, "run_id" text not null, "flow_id" text not null, "order_id" text not null, "amount" numeric not null, "currency_code" text not null, "ordered_at" timestamptz not null, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_run_order_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_order_deleted_at" ON "flows_run_order" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_run_order_run_id_order_id_unique" ON "flows_run_order" ("run_id", "order_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_order_flow_id_ordered_at" ON "flows_run_order" ("flow_id", "ordered_at") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_split_assignment" ("id" text not null, "run_id" text not null, "flow_id" text not null, "split_id" text not null, "variant" text not null, "assigned_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_split_assignment_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_split_assignment_deleted_at" ON "flows_split_assignment" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_split_assignment_run_id_split_id_unique" ON "flows_split_assignment" ("run_id", "split_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_split_assignment_flow_id_split_id" ON "flows_split_assignment" ("flow_id", "split_id") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_flow_version" add column if not exists "created_by" text null, add column if not exists "change" jsonb null;`);

    this.addSql(`alter table if exists "flows_run" add column if not exists "holdout" boolean not null default false;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_flow_id_created_at" ON "flows_run" ("flow_id", "created_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_run_order" cascade;`);

    this.addSql(`drop table if exists "flows_split_assignment" cascade;`);

    this.addSql(`alter table if exists "flows_flow_version" drop column if exists "created_by", drop column if exists "change";`);

    this.addSql(`drop index if exists "IDX_flows_run_flow_id_created_at";`);
    this.addSql(`alter table if exists "flows_run" drop column if exists "holdout";`);
  }

}
