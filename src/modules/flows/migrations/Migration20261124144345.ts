import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261124144345 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_run" drop constraint if exists "flows_run_flow_id_subject_type_subject_id_unique";`);
    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_idempotency_key_unique";`);
    this.addSql(`alter table if exists "flows_flow_version" drop constraint if exists "flows_flow_version_flow_id_version_unique";`);
    this.addSql(`alter table if exists "flows_flow" drop constraint if exists "flows_flow_handle_unique";`);
    this.addSql(`alter table if exists "flows_contact_event" drop constraint if exists "flows_contact_event_dedupe_key_unique";`);
    this.addSql(`alter table if exists "flows_contact" drop constraint if exists "flows_contact_email_unique";`);
    this.addSql(`create table if not exists "flows_contact" ("id" text not null, "email" text null, "phone" text null, "customer_id" text null, "first_name" text null, "last_name" text null, "timezone" text null, "email_consent" text check ("email_consent" in ('unknown', 'granted', 'unsubscribed')) not null default 'unknown', "sms_consent" text check ("sms_consent" in ('unknown', 'granted', 'unsubscribed')) not null default 'unknown', "email_consent_at" timestamptz null, "sms_consent_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_contact_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_deleted_at" ON "flows_contact" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_contact_email_unique" ON "flows_contact" ("email") WHERE email IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_phone" ON "flows_contact" ("phone") WHERE phone IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_customer_id" ON "flows_contact" ("customer_id") WHERE customer_id IS NOT NULL AND deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_contact_event" ("id" text not null, "contact_id" text not null, "type" text not null, "occurred_at" timestamptz not null, "dedupe_key" text null, "flow_id" text null, "run_id" text null, "message_id" text null, "data" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_contact_event_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_event_deleted_at" ON "flows_contact_event" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_event_contact_id_occurred_at" ON "flows_contact_event" ("contact_id", "occurred_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_contact_event_dedupe_key_unique" ON "flows_contact_event" ("dedupe_key") WHERE dedupe_key IS NOT NULL AND deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_flow" ("id" text not null, "name" text not null, "description" text null, "handle" text null, "status" text check ("status" in ('draft', 'active', 'paused')) not null default 'draft', "trigger_event" text not null, "definition" jsonb not null, "version" integer not null default 1, "current_version_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_flow_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_flow_deleted_at" ON "flows_flow" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_flow_handle_unique" ON "flows_flow" ("handle") WHERE handle IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_flow_trigger_event_status" ON "flows_flow" ("trigger_event", "status") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_flow_version" ("id" text not null, "flow_id" text not null, "version" integer not null, "definition" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_flow_version_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_flow_version_deleted_at" ON "flows_flow_version" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_flow_version_flow_id_version_unique" ON "flows_flow_version" ("flow_id", "version") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_message" ("id" text not null, "idempotency_key" text not null, "flow_id" text null, "run_id" text null, "step_id" text null, "contact_id" text null, "channel" text check ("channel" in ('email', 'sms')) not null, "provider" text not null, "to" text null, "status" text check ("status" in ('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped')) not null default 'queued', "subject" text null, "preheader" text null, "html" text null, "text" text null, "provider_id" text null, "error" text null, "sent_at" timestamptz null, "metadata" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_message_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_deleted_at" ON "flows_message" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_message_idempotency_key_unique" ON "flows_message" ("idempotency_key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_flow_id_created_at" ON "flows_message" ("flow_id", "created_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_run_id" ON "flows_message" ("run_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_contact_id_created_at" ON "flows_message" ("contact_id", "created_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_status" ON "flows_message" ("status") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_run" ("id" text not null, "flow_id" text not null, "flow_version_id" text not null, "subject_type" text check ("subject_type" in ('cart', 'order', 'customer')) not null, "subject_id" text not null, "cart_id" text null, "order_id" text null, "customer_id" text null, "contact_id" text null, "email" text null, "phone" text null, "status" text check ("status" in ('active', 'completed', 'exited', 'failed')) not null default 'active', "step_id" text null, "step_entered_at" timestamptz not null, "next_run_at" timestamptz null, "claimed_until" timestamptz null, "claim_token" text null, "attempts" integer not null default 0, "last_error" text null, "exit_reason" text null, "ended_at" timestamptz null, "context" jsonb not null default '{}', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_run_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_deleted_at" ON "flows_run" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_next_run_at" ON "flows_run" ("next_run_at") WHERE status = 'active' AND deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_run_flow_id_subject_type_subject_id_unique" ON "flows_run" ("flow_id", "subject_type", "subject_id") WHERE status = 'active' AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_flow_id_subject_type_subject_id" ON "flows_run" ("flow_id", "subject_type", "subject_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_cart_id" ON "flows_run" ("cart_id") WHERE cart_id IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_order_id" ON "flows_run" ("order_id") WHERE order_id IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_customer_id" ON "flows_run" ("customer_id") WHERE customer_id IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_email" ON "flows_run" ("email") WHERE email IS NOT NULL AND deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_run_contact_id" ON "flows_run" ("contact_id") WHERE contact_id IS NOT NULL AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_contact" cascade;`);

    this.addSql(`drop table if exists "flows_contact_event" cascade;`);

    this.addSql(`drop table if exists "flows_flow" cascade;`);

    this.addSql(`drop table if exists "flows_flow_version" cascade;`);

    this.addSql(`drop table if exists "flows_message" cascade;`);

    this.addSql(`drop table if exists "flows_run" cascade;`);
  }

}
