import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201054812 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" add column if not exists "address_timezone" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_contact" drop column if exists "address_timezone";`);
  }

}
