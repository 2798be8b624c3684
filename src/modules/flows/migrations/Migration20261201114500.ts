import { Migration } from "@medusajs/framework/mikro-orm/migrations"
import { MARK_DAYS_DIRTY_FUNCTION } from "../sql/rollup-triggers"

/** Re-creates the function that lists changed days, so two first writes of a day no longer collide on its key. */
export class Migration20261201114500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(MARK_DAYS_DIRTY_FUNCTION)
  }

  override async down(): Promise<void> {
    // The earlier function raised on a race; there is nothing worth restoring.
  }
}
