import { defineConfig } from "@medusajs/framework/utils"

const env = process.env
const backendUrl = `http://localhost:${env.PORT || 9000}`

/** Email through SendGrid when a key is given; otherwise the sandbox outbox. */
const sendgrid = env.SENDGRID_API_KEY
  ? {
      apiKey: env.SENDGRID_API_KEY,
      from: { email: env.SENDGRID_FROM || "demo@example.com", name: "Flows Demo Store" },
      // A proxy, or the tests' fake SendGrid.
      ...(env.SENDGRID_API_BASE_URL && { apiBaseUrl: env.SENDGRID_API_BASE_URL }),
      // How long identical emails wait to share a request; 0 sends each at once, in a request of its own.
      ...(env.SENDGRID_BATCH_WINDOW_MS && { batchWindowMs: Number(env.SENDGRID_BATCH_WINDOW_MS) }),
    }
  : undefined

/** Texts through Twilio when an account is given; otherwise the sandbox outbox. */
const twilio =
  env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN
    ? {
        accountSid: env.TWILIO_ACCOUNT_SID,
        authToken: env.TWILIO_AUTH_TOKEN,
        ...(env.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: env.TWILIO_MESSAGING_SERVICE_SID } : { from: env.TWILIO_FROM }),
        defaultCountry: "US",
        // A proxy, or the tests' fake Twilio.
        ...(env.TWILIO_API_BASE_URL && { apiBaseUrl: env.TWILIO_API_BASE_URL }),
      }
    : undefined

/**
 * With REDIS_URL, the store runs as a production store does, in `server` and `worker` processes over one
 * Redis (MEDUSA_WORKER_MODE picks each process's part): Medusa's Redis event bus, workflow engine (which
 * also runs scheduled jobs) and locking replace the in-process defaults, and the plugin shares its rate
 * limits through the same Redis. Without it, everything stays in one process, as `npm run demo` runs it.
 */
const redisUrl = env.REDIS_URL
const redisModules = redisUrl
  ? [
      { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } },
      { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl } } },
      {
        resolve: "@medusajs/medusa/locking",
        options: {
          providers: [{ resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", is_default: true, options: { redisUrl } }],
        },
      },
    ]
  : []

/** Benches tune the scheduler through FLOWS_SCHEDULER, JSON merged over the demo's own settings. */
const schedulerOverrides = env.FLOWS_SCHEDULER ? JSON.parse(env.FLOWS_SCHEDULER) : {}
/** The fault tests shorten retries and timeouts through FLOWS_DELIVERY, JSON as the `delivery` option. */
const delivery = env.FLOWS_DELIVERY ? JSON.parse(env.FLOWS_DELIVERY) : undefined

/** The plugin, unless FLOWS_PLUGIN=off: bench/store-api.js measures the same store without it. */
const flowsPlugin = {
  resolve: "medusa-plugin-flows",
  options: {
    storefrontUrl: env.STOREFRONT_URL || "http://localhost:8000",
    backendUrl,
    storeName: "Flows Demo Store",
    secret: env.FLOWS_SECRET || "demo-secret-change-me-in-production-0000",
    scheduler: { pollIntervalMs: 1000, timeScale: Number(env.FLOWS_TIME_SCALE || 1), ...schedulerOverrides },
    ...(redisUrl && { redisUrl }),
    ...(delivery && { delivery }),
    ...(sendgrid && { sendgrid }),
    ...(twilio && { twilio }),
  },
}

/** The store `npm run demo` starts: the plugin on embedded defaults, with flow time compressed. */
module.exports = defineConfig({
  projectConfig: {
    databaseUrl: env.DATABASE_URL,
    ...(redisUrl && { redisUrl }),
    workerMode: (env.MEDUSA_WORKER_MODE as "shared" | "worker" | "server" | undefined) || "shared",
    // `medusa start` marks the admin's session cookie Secure, which a browser never sends back over the
    // demo's plain http://localhost; a store behind HTTPS keeps Medusa's default.
    cookieOptions: { secure: backendUrl.startsWith("https:") },
    http: {
      jwtSecret: env.JWT_SECRET || "demo-jwt-secret",
      cookieSecret: env.COOKIE_SECRET || "demo-cookie-secret",
      storeCors: "http://localhost:8000",
      adminCors: backendUrl,
      authCors: `http://localhost:8000,${backendUrl}`,
    },
  },
  admin: { disable: env.DEMO_ADMIN === "off" },
  modules: redisModules,
  plugins: env.FLOWS_PLUGIN === "off" ? [] : [flowsPlugin],
})
