import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261125213808 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_short_link" drop constraint if exists "flows_short_link_code_unique";`);
    this.addSql(`create table if not exists "flows_short_link" ("id" text not null, "code" text not null, "cart_id" text not null, "message_key" text null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_short_link_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_short_link_deleted_at" ON "flows_short_link" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_short_link_code_unique" ON "flows_short_link" ("code") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_short_link" cascade;`);
  }

}
