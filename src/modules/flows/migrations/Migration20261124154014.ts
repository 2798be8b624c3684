import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261124154014 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" add column if not exists "unsubscribed_flows" jsonb null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" drop column if exists "unsubscribed_flows";`);
  }

}
