import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261124152301 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table if not exists "flows_consent_evidence" ("id" text not null, "contact_id" text not null, "channel" text check ("channel" in ('email', 'sms')) not null, "state" text check ("state" in ('granted', 'unsubscribed')) not null, "source" text not null, "text" text not null, "ip" text null, "user_agent" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "flows_consent_evidence_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_consent_evidence_deleted_at" ON "flows_consent_evidence" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_consent_evidence_contact_id_created_at" ON "flows_consent_evidence" ("contact_id", "created_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_consent_evidence_ip_created_at" ON "flows_consent_evidence" ("ip", "created_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "flows_consent_evidence" cascade;`);
  }

}
