import path from "node:path"
import { defineConfig } from "@medusajs/framework/utils"

/**
 * The store the HTTP tests boot: the plugin, loaded from its build, with fast polling and no quiet
 * hours (equal start and end), so results do not depend on the time of day. A spec can add options,
 * such as providers pointed at the fakes, through FLOWS_TEST_OPTIONS (its `scheduler` and `defaults` are merged in).
 */
const extraOptions = JSON.parse(process.env.FLOWS_TEST_OPTIONS || "{}")

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: {
      jwtSecret: "test-jwt-secret",
      cookieSecret: "test-cookie-secret",
      storeCors: "*",
      adminCors: "*",
      authCors: "*",
    },
  },
  admin: { disable: true },
  plugins: [
    {
      resolve: path.resolve(__dirname, ".."),
      options: {
        storefrontUrl: "http://storefront.test",
        backendUrl: "http://localhost:9000",
        storeName: "Test Store",
        secret: "test-secret-that-is-at-least-32-characters",
        ...extraOptions,
        // Jest runs the tests in the store's own process, so the tests' own work would count as requests
        // keeping it busy: the scheduler does not give way to it here (the dispatcher spec turns it on).
        scheduler: { pollIntervalMs: 1000, batchSize: 20, leaseMs: 30_000, yieldToRequestsMs: 0, ...extraOptions.scheduler },
        // Waits are cut to seconds in these tests, so an email cap of hours would hold back every later
        // message: smart sending is off here (it has its own suite, integration-tests/modules/smart-sending).
        defaults: {
          quietHours: { start: "00:00", end: "00:00" },
          channelCaps: { email: null, sms: null },
          overlapWindow: null,
          ...extraOptions.defaults,
        },
      },
    },
  ],
})
