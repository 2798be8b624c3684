import { defineConfig } from "@medusajs/framework/utils"

/** A store that runs the plugin on embedded defaults: no provider keys, so messages go to the sandbox outbox. */
module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    http: {
      jwtSecret: process.env.JWT_SECRET || "demo-jwt-secret",
      cookieSecret: process.env.COOKIE_SECRET || "demo-cookie-secret",
      storeCors: "http://localhost:8000",
      adminCors: "http://localhost:9000",
      authCors: "http://localhost:8000,http://localhost:9000",
    },
  },
  plugins: [
    {
      resolve: "medusa-plugin-flows",
      options: {
        storefrontUrl: process.env.STOREFRONT_URL || "http://localhost:8000",
        backendUrl: "http://localhost:9000",
        storeName: "Flows Demo Store",
        secret: process.env.FLOWS_SECRET || "demo-secret-change-me-in-production-0000",
        scheduler: { pollIntervalMs: 2000 },
      },
    },
  ],
})
