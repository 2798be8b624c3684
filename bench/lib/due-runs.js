// Message-shaped work for the dispatch and memory benches, written straight into Postgres: one active
// flow whose only step is a send_email (with a personal greeting and a link, as the built-in flows have),
// its version, contacts with email consent, and runs of it due now. Also: wait for the runs to drain.
const FLOW_ID = "flow_bench_dispatch"
const VERSION_ID = "flowver_bench_dispatch"

const DEFINITION = {
  trigger: { event: "newsletter.subscribed" },
  steps: [
    {
      id: "bench-email",
      type: "send_email",
      template: {
        subject: "News from {{ store.name }}",
        preheader: "This week's picks.",
        blocks: [
          { type: "header" },
          // The same for everyone apart from each person's own links (unsubscribe in the footer), as a
          // newsletter is: such emails share SendGrid requests. A greeting by name would make each its own.
          { type: "text", text: "Hello from all of us," },
          { type: "text", text: "Our most loved products are back in stock. Take a look before they are gone." },
          { type: "button", label: "Shop now", href: "{{ store.url }}" },
          { type: "footer" },
        ],
      },
    },
  ],
}

/** The flow, its version and `contacts` contacts with granted email consent. */
async function seedFlow(client, contacts) {
  await client.query(
    `INSERT INTO flows_flow (id, name, status, trigger_event, definition, version, current_version_id)
     VALUES ($1, 'Bench newsletter', 'active', 'newsletter.subscribed', $3, 1, $2)`,
    [FLOW_ID, VERSION_ID, DEFINITION]
  )
  await client.query(`INSERT INTO flows_flow_version (id, flow_id, version, definition) VALUES ($1, $2, 1, $3)`, [
    VERSION_ID,
    FLOW_ID,
    DEFINITION,
  ])
  await client.query(
    `INSERT INTO flows_contact (id, email, first_name, email_consent, email_consent_at)
     SELECT 'flowcon_bench_' || i, 'bench' || i || '@example.com', 'Reader' || i, 'granted', now()
     FROM generate_series(1, $1) i`,
    [contacts]
  )
}

/** `count` runs of the flow, one per contact, due now; resolves when they are committed. */
async function insertDueRuns(client, count) {
  await client.query(
    `INSERT INTO flows_run (id, flow_id, flow_version_id, subject_type, subject_id, contact_id, email, status,
       step_entered_at, next_run_at)
     SELECT 'flowrun_bench_' || i, $1, $2, 'contact', 'flowcon_bench_' || i, 'flowcon_bench_' || i,
       'bench' || i || '@example.com', 'active', now(), now()
     FROM generate_series(1, $3) i`,
    [FLOW_ID, VERSION_ID, count]
  )
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls until no run of the flow is active (each has sent its email and completed, or failed), calling
 * `onPoll` each time; resolves with the moment it saw that, or throws after `timeoutMs`.
 */
async function waitForDrain(client, { timeoutMs, pollMs = 200, onPoll = () => {} }) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await client.query(`SELECT count(*)::int AS active FROM flows_run WHERE flow_id = $1 AND status = 'active'`, [FLOW_ID])
    onPoll(rows[0].active)
    if (rows[0].active === 0) {
      return performance.now()
    }
    if (Date.now() > deadline) {
      throw new Error(`${rows[0].active} runs still active after ${timeoutMs / 1000} s`)
    }
    await sleep(pollMs)
  }
}

/** The bench flow's messages by status, e.g. { delivered: 2000 }, and its runs, e.g. { completed: 2000 }. */
async function outcomes(client) {
  const count = async (sql) => Object.fromEntries((await client.query(sql, [FLOW_ID])).rows.map((r) => [r.status, r.count]))
  return {
    messages: await count(`SELECT status, count(*)::int AS count FROM flows_message WHERE flow_id = $1 GROUP BY status`),
    run_statuses: await count(`SELECT status, count(*)::int AS count FROM flows_run WHERE flow_id = $1 GROUP BY status`),
  }
}

module.exports = { FLOW_ID, seedFlow, insertDueRuns, waitForDrain, outcomes }
