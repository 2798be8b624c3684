import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201054107 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" add column if not exists "last_cart_at" timestamptz null, add column if not exists "preferred_channel" text check ("preferred_channel" in ('email', 'sms')) null;`);

    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_event_engagement" ON "flows_contact_event" ("contact_id", "occurred_at") WHERE type IN ('email.opened', 'email.clicked', 'sms.clicked') AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" drop column if exists "last_cart_at", drop column if exists "preferred_channel";`);

    this.addSql(`drop index if exists "IDX_flows_contact_event_engagement";`);
  }

}
