import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201103203 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table if not exists "flows_store_event_inbox" ("id" text not null, "seq" serial, "name" text not null, "data" jsonb not null, "subject_key" text not null, "received_at" timestamptz not null, "claimed_until" timestamptz null, "attempts" integer not null default 0, "last_error" text null, "available_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_store_event_inbox_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_store_event_inbox_deleted_at" ON "flows_store_event_inbox" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_store_event_inbox_subject_key_seq" ON "flows_store_event_inbox" ("subject_key", "seq") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_store_event_inbox_available_at" ON "flows_store_event_inbox" ("available_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_store_event_inbox" cascade;`);
  }

}
