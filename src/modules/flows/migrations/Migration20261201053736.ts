import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201053736 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_suppression" drop constraint if exists "flows_suppression_hash_unique";`);
    this.addSql(`create table if not exists "flows_erasure" ("id" text not null, "actor_id" text null, "looked_up_by" text not null, "erased_at" timestamptz not null, "counts" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_erasure_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_erasure_deleted_at" ON "flows_erasure" ("deleted_at") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_suppression" ("id" text not null, "hash" text not null, "channel" text check ("channel" in ('email', 'sms')) not null, "reason" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_suppression_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_suppression_deleted_at" ON "flows_suppression" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_suppression_hash_unique" ON "flows_suppression" ("hash") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_erasure" cascade;`);

    this.addSql(`drop table if exists "flows_suppression" cascade;`);
  }

}
