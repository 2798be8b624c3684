import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261124144616 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_provider_event" drop constraint if exists "flows_provider_event_provider_event_id_unique";`);
    this.addSql(`create table if not exists "flows_provider_event" ("id" text not null, "provider" text not null, "event_id" text not null, "type" text not null, "message_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_provider_event_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_provider_event_deleted_at" ON "flows_provider_event" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_provider_event_provider_event_id_unique" ON "flows_provider_event" ("provider", "event_id") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`alter table if exists "flows_message" add column if not exists "error_code" text null, add column if not exists "attempts" integer not null default 0, add column if not exists "segments" integer null;`);
    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('queued', 'sending', 'retrying', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'skipped', 'bounced', 'dropped', 'undelivered'));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_provider_id" ON "flows_message" ("provider_id") WHERE provider_id IS NOT NULL AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_provider_event" cascade;`);

    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`drop index if exists "IDX_flows_message_provider_id";`);
    this.addSql(`alter table if exists "flows_message" drop column if exists "error_code", drop column if exists "attempts", drop column if exists "segments";`);

    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped'));`);
  }

}
