// The in-repo SendGrid fake (integration-tests/fakes/sendgrid.ts) in a process of its own, as a remote API
// would be: started by startFakeSendGrid(), it answers on 127.0.0.1:<port> and tells its parent, when
// asked, how many requests and personalizations it accepted. jiti compiles the TypeScript on load.
const { fork } = require("node:child_process")
const path = require("node:path")

const FAKE = path.join(__dirname, "..", "..", "integration-tests", "fakes", "sendgrid.ts")

if (require.main === module) {
  const { createJiti } = require("jiti")
  createJiti(__filename)
    .import(FAKE)
    .then(async ({ FakeSendGrid }) => {
      const fake = await new FakeSendGrid().start(Number(process.argv[2]))
      // Only the counts are kept: the fake's own request log would grow with every body.
      const counts = { requests: 0, personalizations: 0 }
      const handle = fake.handle.bind(fake)
      fake.handle = (req, raw, res) => {
        handle(req, raw, res)
        const last = fake.requests.pop()
        counts.requests += 1
        counts.personalizations += last?.body?.personalizations?.length ?? 0
      }
      process.on("message", () => process.send(counts))
      process.send({ url: fake.url })
    })
}

/** Starts the fake on `port`; resolves with its URL, `counts()` and `stop()`. */
function startFakeSendGrid(port) {
  const child = fork(__filename, [String(port)], { stdio: ["ignore", "inherit", "inherit", "ipc"] })
  const next = () =>
    new Promise((resolve, reject) => {
      const exited = (code) => reject(new Error(`the SendGrid fake exited (${code})`))
      child.once("exit", exited)
      child.once("message", (message) => (child.off("exit", exited), resolve(message)))
    })
  return next().then(({ url }) => ({
    url,
    apiKey: "SG.fake-key",
    counts: () => (child.send("counts"), next()),
    stop: () => new Promise((resolve) => (child.once("exit", resolve), child.kill())),
  }))
}

module.exports = { startFakeSendGrid }
