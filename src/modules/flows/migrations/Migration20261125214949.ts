import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261125214949 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_consent_evidence" drop constraint if exists "flows_consent_evidence_state_check";`);

    this.addSql(`alter table if exists "flows_contact" drop constraint if exists "flows_contact_sms_consent_check";`);

    this.addSql(`alter table if exists "flows_consent_evidence" add constraint "flows_consent_evidence_state_check" check("state" in ('requested', 'granted', 'unsubscribed'));`);

    this.addSql(`alter table if exists "flows_contact" add constraint "flows_contact_sms_consent_check" check("sms_consent" in ('unknown', 'pending', 'granted', 'unsubscribed'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_consent_evidence" drop constraint if exists "flows_consent_evidence_state_check";`);

    this.addSql(`alter table if exists "flows_contact" drop constraint if exists "flows_contact_sms_consent_check";`);

    this.addSql(`alter table if exists "flows_consent_evidence" add constraint "flows_consent_evidence_state_check" check("state" in ('granted', 'unsubscribed'));`);

    this.addSql(`alter table if exists "flows_contact" add constraint "flows_contact_sms_consent_check" check("sms_consent" in ('unknown', 'granted', 'unsubscribed'));`);
  }

}
