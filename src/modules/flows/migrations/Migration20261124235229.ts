import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261124235229 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_run" drop constraint if exists "flows_run_subject_type_check";`);

    this.addSql(`alter table if exists "flows_contact" add column if not exists "last_order_at" timestamptz null;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_flows_contact_last_order_at" ON "flows_contact" ("last_order_at") WHERE last_order_at IS NOT NULL AND deleted_at IS NULL;`);

    this.addSql(`alter table if exists "flows_run" add constraint "flows_run_subject_type_check" check("subject_type" in ('cart', 'order', 'customer', 'contact'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_run" drop constraint if exists "flows_run_subject_type_check";`);

    this.addSql(`drop index if exists "IDX_flows_contact_last_order_at";`);
    this.addSql(`alter table if exists "flows_contact" drop column if exists "last_order_at";`);

    this.addSql(`alter table if exists "flows_run" add constraint "flows_run_subject_type_check" check("subject_type" in ('cart', 'order', 'customer'));`);
  }

}
