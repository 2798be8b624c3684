import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201033817 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`alter table if exists "flows_message" alter column "status" drop default;`);
    this.addSql(`alter table if exists "flows_message" alter column "status" type text using ("status"::text);`);
    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('sending', 'retrying', 'uncertain', 'sent', 'delivered', 'opened', 'clicked', 'skipped', 'failed', 'bounced', 'dropped', 'undelivered'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_message" drop constraint if exists "flows_message_status_check";`);

    this.addSql(`alter table if exists "flows_message" alter column "status" type text using ("status"::text);`);
    this.addSql(`alter table if exists "flows_message" alter column "status" set default 'queued';`);
    this.addSql(`alter table if exists "flows_message" add constraint "flows_message_status_check" check("status" in ('queued', 'sending', 'retrying', 'sent', 'delivered', 'opened', 'clicked', 'failed', 'skipped', 'bounced', 'dropped', 'undelivered', 'uncertain'));`);
  }

}
