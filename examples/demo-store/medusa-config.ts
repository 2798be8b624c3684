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
      }
    : undefined

/** The plugin, unless FLOWS_PLUGIN=off: bench/store-api.js measures the same store without it. */
const flowsPlugin = {
  resolve: "medusa-plugin-flows",
  options: {
    storefrontUrl: env.STOREFRONT_URL || "http://localhost:8000",
    backendUrl,
    storeName: "Flows Demo Store",
    secret: env.FLOWS_SECRET || "demo-secret-change-me-in-production-0000",
    scheduler: { pollIntervalMs: 1000, timeScale: Number(env.FLOWS_TIME_SCALE || 1) },
    ...(sendgrid && { sendgrid }),
    ...(twilio && { twilio }),
  },
}

/** The store `npm run demo` starts: the plugin on embedded defaults, with flow time compressed. */
module.exports = defineConfig({
  projectConfig: {
    databaseUrl: env.DATABASE_URL,
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
  plugins: env.FLOWS_PLUGIN === "off" ? [] : [flowsPlugin],
})
