import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261201054008 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "flows_flow" add column if not exists "priority" integer not null default 50;`);

    this.addSql(`alter table if exists "flows_message" add column if not exists "exempt" boolean not null default false;`);

    // The built-in flows' default ranks: an abandoned cart outranks the welcome series.
    this.addSql(`update "flows_flow" set "priority" = case "handle"
      when 'abandoned-cart' then 80 when 'post-purchase' then 70 when 'welcome-series' then 40
      when 'review-request' then 30 when 'win-back' then 20 else "priority" end
      where "handle" is not null;`);

    // The built-in order thank-you is exempt from the caps, in the stores that have it already.
    for (const table of ["flows_flow", "flows_flow_version"]) {
      const owner = table === "flows_flow" ? `"id"` : `"flow_id"`;
      this.addSql(`update "${table}" set "definition" = jsonb_set("definition", '{steps}', (
          select jsonb_agg(case when s->>'id' = 'thank-you-email' and s->>'type' = 'send_email' and s->'exempt' is null
            then s || '{"exempt": true}'::jsonb else s end order by n)
          from jsonb_array_elements("definition"->'steps') with ordinality as t(s, n)))
        where ${owner} in (select "id" from "flows_flow" where "handle" = 'post-purchase')
          and jsonb_typeof("definition"->'steps') = 'array';`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "flows_flow" drop column if exists "priority";`);

    this.addSql(`alter table if exists "flows_message" drop column if exists "exempt";`);
  }

}
