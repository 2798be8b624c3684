import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261125200455 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_conversion" drop constraint if exists "flows_conversion_order_id_unique";`);
    this.addSql(`create table if not exists "flows_conversion" ("id" text not null, "order_id" text not null, "contact_id" text not null, "flow_id" text not null, "step_id" text not null, "message_id" text not null, "channel" text check ("channel" in ('email', 'sms')) not null, "touch" text check ("touch" in ('click', 'message')) not null, "amount" numeric not null, "currency_code" text not null, "ordered_at" timestamptz not null, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_conversion_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_conversion_deleted_at" ON "flows_conversion" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_conversion_order_id_unique" ON "flows_conversion" ("order_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_conversion_flow_id_ordered_at" ON "flows_conversion" ("flow_id", "ordered_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_conversion_ordered_at" ON "flows_conversion" ("ordered_at") WHERE deleted_at IS NULL;`);

    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_event_occurred_at" ON "flows_contact_event" ("occurred_at") WHERE type IN ('email.unsubscribed', 'sms.opted_out') AND deleted_at IS NULL;`);

    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_created_at" ON "flows_message" ("created_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_conversion" cascade;`);

    this.addSql(`drop index if exists "IDX_flows_contact_event_occurred_at";`);

    this.addSql(`drop index if exists "IDX_flows_message_created_at";`);
  }

}
