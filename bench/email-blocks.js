// What compiling designer blocks through MJML costs, and what a send pays instead (Liquid on the saved
// HTML). Run after `npm run build`:   node bench/email-blocks.js [--runs=50]
const path = require("node:path")

const ROOT = path.join(__dirname, "..")
const { compileBlocks } = require(path.join(ROOT, ".medusa/server/src/modules/flows/email/compile.js"))
const { renderEmail, sampleTemplateVariables } = require(path.join(ROOT, ".medusa/server/src/engine/index.js"))
const { BUILT_IN_FLOWS } = require(path.join(ROOT, ".medusa/server/src/modules/flows/built-in/index.js"))

const runs = Number((process.argv.find((a) => a.startsWith("--runs=")) ?? "--runs=50").split("=")[1])
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function time(work) {
  const samples = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await work(i)
    samples.push(performance.now() - start)
  }
  return median(samples)
}

async function main() {
  const reminder = BUILT_IN_FLOWS.find((f) => f.handle === "abandoned-cart").definition.steps.find(
    (s) => s.id === "reminder-email"
  ).template
  const large = Array.from({ length: 40 }, (_, i) =>
    i % 2
      ? { type: "text", text: `Paragraph ${i} {{ customer.first_name }}` }
      : { type: "button", label: `Go ${i}`, href: "{{ store.url }}" }
  )
  const first = performance.now()
  await compileBlocks(reminder.blocks)
  const cold = performance.now() - first
  // A distinct text each run, so the cache does not answer.
  const uncached = (blocks) => time((i) => compileBlocks([...blocks, { type: "text", text: `run ${i} ${Math.random()}` }]))
  const rows = [
    ["compile, first in the process (abandoned-cart reminder, 6 blocks)", cold],
    ["compile, abandoned-cart reminder (6 blocks)", await uncached(reminder.blocks)],
    ["compile, 40 blocks (the most allowed)", await uncached(large)],
    ["compile, cached (same blocks again)", await time(() => compileBlocks(reminder.blocks))],
  ]
  const html = await compileBlocks(reminder.blocks)
  const variables = sampleTemplateVariables("cart")
  rows.push(["send: Liquid render of the saved HTML + text part", await time(() => renderEmail({ ...reminder, html }, variables))])
  console.log(`| step | median of ${runs} |\n|---|---|`)
  for (const [name, ms] of rows) {
    console.log(`| ${name} | ${ms.toFixed(1)} ms |`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
