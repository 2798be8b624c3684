const { spawn } = require("node:child_process")

/**
 * Runs a command and resolves with its exit code. Asynchronous on purpose: an embedded Postgres
 * started by this process writes its logs to a pipe we must keep reading, which spawnSync would stop.
 */
function runCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", ...options })
    child.on("error", reject)
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)))
  })
}

module.exports = { runCommand }
