// Preloaded into each store the store-API bench starts (`NODE_OPTIONS=--require`): answers the bench's
// "cpu-usage" message on the IPC channel with the CPU time the process has used so far, every thread and
// garbage collection included, the same way on every platform. It does nothing where there is no channel.
if (process.send) {
  process.on("message", (message) => {
    if (message === "cpu-usage") {
      const { user, system } = process.cpuUsage()
      process.send({ type: "cpu-usage", cpu_ms: (user + system) / 1000 })
    }
  })
  // The channel must not keep the store alive, nor the listener hold it open.
  process.channel.unref()
}
