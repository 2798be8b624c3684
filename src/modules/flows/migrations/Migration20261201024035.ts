import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201024035 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_rate_limit" drop constraint if exists "flows_rate_limit_key_window_start_unique";`);
    this.addSql(`alter table if exists "flows_phone_consent" drop constraint if exists "flows_phone_consent_phone_unique";`);
    this.addSql(`create table if not exists "flows_phone_consent" ("id" text not null, "phone" text not null, "state" text check ("state" in ('pending', 'granted', 'unsubscribed')) not null, "state_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_phone_consent_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_phone_consent_deleted_at" ON "flows_phone_consent" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_phone_consent_phone_unique" ON "flows_phone_consent" ("phone") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "flows_rate_limit" ("id" text not null, "key" text not null, "window_start" timestamptz not null, "hits" integer not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_rate_limit_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_rate_limit_deleted_at" ON "flows_rate_limit" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_flows_rate_limit_key_window_start_unique" ON "flows_rate_limit" ("key", "window_start") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_rate_limit_window_start" ON "flows_rate_limit" ("window_start") WHERE deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`alter table if exists "flows_consent_evidence" add column if not exists "recipient" text null;`);

    // SMS consent moves from the contact to its number. Where contacts share a number, a STOP wins over
    // a grant, and a grant over a pending request.
    this.addSql(`insert into "flows_phone_consent" ("id", "phone", "state", "state_at")
      select distinct on (phone) 'flowpho_' || replace(gen_random_uuid()::text, '-', ''), phone, sms_consent,
        coalesce(sms_consent_at, updated_at)
      from "flows_contact"
      where phone ~ '^\\+[1-9][0-9]{6,14}$' and sms_consent in ('pending', 'granted', 'unsubscribed') and deleted_at is null
      order by phone, case sms_consent when 'unsubscribed' then 0 when 'granted' then 1 else 2 end, sms_consent_at desc nulls last
      on conflict do nothing;`);
    this.addSql(`alter table if exists "flows_contact" drop column if exists "sms_consent", drop column if exists "sms_consent_at";`);

    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('queued', 'sending', 'retrying', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'skipped', 'bounced', 'dropped', 'undelivered', 'uncertain'));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_message_to_created_at" ON "flows_message" ("to", "created_at") WHERE channel = 'sms' AND deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_provider_event" add column if not exists "pending_provider_id" text null, add column if not exists "payload" jsonb null;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_provider_event_pending_provider_id" ON "flows_provider_event" ("pending_provider_id") WHERE pending_provider_id IS NOT NULL AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_phone_consent" cascade;`);

    this.addSql(`drop table if exists "flows_rate_limit" cascade;`);

    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`alter table if exists "flows_consent_evidence" drop column if exists "recipient";`);

    this.addSql(`alter table if exists "flows_contact" add column if not exists "sms_consent" text check ("sms_consent" in ('unknown', 'pending', 'granted', 'unsubscribed')) not null default 'unknown', add column if not exists "sms_consent_at" timestamptz null;`);

    this.addSql(`drop index if exists "IDX_flows_message_to_created_at";`);

    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('queued', 'sending', 'retrying', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'skipped', 'bounced', 'dropped', 'undelivered'));`);

    this.addSql(`drop index if exists "IDX_flows_provider_event_pending_provider_id";`);
    this.addSql(`alter table if exists "flows_provider_event" drop column if exists "pending_provider_id", drop column if exists "payload";`);
  }

}
