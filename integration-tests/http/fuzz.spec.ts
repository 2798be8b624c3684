import fs from "node:fs"
import path from "node:path"
import { storeTestRunner } from "../helpers/store-fixtures"

jest.setTimeout(120_000)

/**
 * Malformed input to every route under src/api, found from the file tree so a new route is covered
 * without editing this file: wrong JSON types, huge strings, NUL bytes, deep nesting, malformed query
 * keys and bad ids. Whatever the answer, it must not be a 5xx.
 */

const API_DIR = path.join(__dirname, "..", "..", "src", "api")
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const

type Route = { path: string; method: (typeof METHODS)[number]; params: string[] }

function discoverRoutes(dir = API_DIR): Route[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      return discoverRoutes(file)
    }
    if (entry.name !== "route.ts") {
      return []
    }
    const source = fs.readFileSync(file, "utf8")
    const segments = path.relative(API_DIR, dir).split(path.sep)
    const routePath = "/" + segments.map((s) => s.replace(/^\[(.+)\]$/, ":$1")).join("/")
    const params = segments.filter((s) => s.startsWith("[")).map((s) => s.slice(1, -1))
    return METHODS.filter((method) => new RegExp(`export (async )?(function|const) ${method}\\b`).test(source)).map((method) => ({
      path: routePath,
      method,
      params,
    }))
  })
}

const ROUTES = discoverRoutes()

const definition = {
  trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
  steps: [
    { id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } },
    { id: "hello", type: "send_email", template: { subject: "Hi", html: "<p>Hi {{ customer.first_name }}</p>" } },
  ],
}

const takesBody = (route: Route) => route.method !== "GET" && route.method !== "DELETE"

/**
 * A body each POST (PUT, PATCH) route accepts, so that mutating one field at a time reaches the code behind the
 * validators. A route that is missing here fails the test: add its body.
 */
const VALID_BODIES: Record<string, unknown> = {
  "POST /admin/flows": { name: "Fuzz", definition },
  "POST /admin/flows/:id": { name: "Fuzz", definition },
  "POST /admin/flows/:id/activate": {},
  "POST /admin/flows/:id/pause": {},
  "POST /admin/flows/:id/steps/:step_id/send-test": {
    to: "owner@example.com",
    sample: "cart",
    template: { subject: "Hi", html: "<p>Hi</p>" },
  },
  "POST /admin/flows/:id/splits/:split_id/promote": { variant: "a" },
  "POST /admin/flows/customers/:customer_id": { preferred_channel: "email" },
  "POST /admin/flows/messages/:id/retry": {},
  "POST /admin/flows/people/erase": { email: "nobody@example.com" },
  "POST /admin/flows/preview": {
    channel: "sms",
    template: { body: "Hi {{ customer.first_name }}" },
    subject: { type: "cart", id: "cart_1" },
  },
  "POST /admin/flows/sandbox/replies": { from: "+12025550143", body: "STOP" },
  "POST /admin/flows/settings/check-credentials": { channel: "email" },
  "POST /admin/flows/settings/brand": {
    logo_url: "https://cdn.example.com/logo.png",
    accent_color: "#2563eb",
    font: "georgia",
    address: "1 Main St",
  },
  "POST /admin/flows/win-back/import-orders": {},
  "POST /flows/unsubscribe": { choice: "all" },
  "POST /flows/confirm-email": { choice: "confirm" },
  "POST /hooks/flows/sendgrid": [{ event: "delivered", email: "a@example.com", sg_event_id: "e1" }],
  "POST /hooks/flows/twilio/inbound": { From: "+12025550143", Body: "STOP", MessageSid: "SM1" },
  "POST /hooks/flows/twilio/status": { MessageSid: "SM1", MessageStatus: "delivered" },
  "POST /store/flows/consent": {
    email: "shopper@example.com",
    channels: ["email"],
    source: "footer",
    text: "Send me news",
    first_name: "Ann",
  },
}

const HUGE = "x".repeat(20_000)
// Deep values are built as JSON text: JSON.stringify itself would overflow the stack on them.
const deepJson = (levels: number) => '{"a":'.repeat(levels) + "1" + "}".repeat(levels)
const deepGroupsJson = (levels: number) =>
  '{"any":['.repeat(levels - 1) + '{"all":[{"field":"cart.email","op":"exists"}]}' + "]}".repeat(levels - 1)
const withFilters = (filtersJson: string) =>
  `{"name":"Deep","definition":{"trigger":{"event":"cart.updated","filters":${filtersJson}},"steps":[{"id":"x","type":"exit"}]}}`

/** Every leaf of a JSON value, as a path. */
function leaves(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
    return entries.length ? entries.flatMap(([key, child]) => leaves(child, [...at, Array.isArray(value) ? Number(key) : key])) : [at]
  }
  return [at]
}

function replaceAt(value: unknown, at: (string | number)[], replacement: unknown): unknown {
  if (!at.length) {
    return replacement
  }
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) }
  copy[at[0]] = replaceAt(copy[at[0]], at.slice(1), replacement)
  return copy
}

/** The valid body with one field at a time replaced by each malformed value. */
function bodyMutations(body: unknown): unknown[] {
  const malformed = ["a\u0000b", HUGE, 12345, { x: { y: { z: 1 } } }]
  return leaves(body).flatMap((at) => malformed.map((value) => replaceAt(body, at, value)))
}

/** Bodies sent to every route that takes one, as JSON text. */
const GENERIC_BODIES: string[] = [
  '{"name": "unterminated',
  "[]",
  deepJson(5_000),
  JSON.stringify({ name: 1, definition: "x", channel: 5, template: [], to: {}, email: [], channels: "sms", source: 7, text: false }),
  withFilters(deepGroupsJson(25)),
  withFilters(deepGroupsJson(5_000)),
  JSON.stringify({
    name: "Long",
    definition: { ...definition, steps: [{ id: "w", type: "wait", duration: { amount: 1e300, unit: "days" } }] },
  }),
  JSON.stringify({ channel: "sms", template: { body: "{% include 'x' %}" } }),
  JSON.stringify({ channel: "sms", template: { body: "{% for i in (1..65000) %}x{% endfor %}" } }),
]

/**
 * Under /admin, Medusa's own `"/admin*"` middleware (setSecretApiKeyContext) fails to decode a malformed
 * percent-encoding with a 500 before any code of the plugin runs, as on every core admin route.
 */
const MALFORMED_ENCODING = "%E0%A4%A"
const BAD_IDS = ["does-not-exist", "%00", "a%00b", "x".repeat(3_000), MALFORMED_ENCODING, "..%2F..%2Fadmin"]

// Free-text query keys of the routes: those that reach the database as they are.
const QUERY_KEYS = ["flow_id", "run_id", "subject_id", "email", "to", "provider", "token"]
/** Sent to every route; GET routes also get the others. */
const STRUCTURAL_QUERIES = ["a[b][c]=1", "fields[x]=1", `q=${"y".repeat(6_000)}`]
const GET_QUERIES = ["limit=abc&offset=-5", "from=10000-01-01", "from=-271821-04-20", "to=2026-02-31T99:99:99Z"]

storeTestRunner(({ api, store }) => {
  it("finds the routes under src/api", () => {
    expect(ROUTES.length).toBeGreaterThan(20)
    expect(ROUTES).toContainEqual({ path: "/admin/flows/:id", method: "GET", params: ["id"] })
    const missing = ROUTES.filter((r) => takesBody(r) && !(`${r.method} ${r.path}` in VALID_BODIES))
    expect(missing).toEqual([])
  })

  it("answers each kind of bad input with a 400 that says what is wrong", async () => {
    const admin = { ...store.adminHeaders, validateStatus: () => true }
    const refusal = async (request: Promise<any>) => {
      const response = await request
      return [response.status, response.data.message]
    }
    const nul = "The request contains a NUL character (\\u0000), which is not allowed."
    expect(await refusal(api.get("/flows/r/%00", { validateStatus: () => true }))).toEqual([400, nul])
    expect(await refusal(api.get("/flows/unsubscribe?token=%00", { validateStatus: () => true }))).toEqual([400, nul])
    expect(await refusal(api.get("/admin/flows/runs?email=a%00b", admin))).toEqual([400, nul])
    const consent = { email: "a@example.com", channels: ["email"], source: "foot\u0000er", text: "News" }
    expect(await refusal(api.post("/store/flows/consent", consent, { ...store.storeHeaders, validateStatus: () => true }))).toEqual([
      400,
      nul,
    ])
    expect(await refusal(api.get("/admin/flows?fields[x][y]=1", admin))).toEqual([
      400,
      'The query parameter "fields" is nested too deeply: use at most one level, as in fields[key]=value.',
    ])
    for (const from of ["10000-01-01", "-271821-04-20"]) {
      const [status, message] = await refusal(api.get(`/admin/flows/analytics?from=${from}`, admin))
      expect([from, status, message]).toEqual([from, 400, "Invalid request: expected a date between the years 1970 and 9999"])
    }
    expect(await refusal(api.get("/admin/flows/analytics?to=garbage", admin))).toEqual([400, expect.stringMatching(/^Invalid request: /)])
    expect(await refusal(api.get(`/flows/r/${MALFORMED_ENCODING}`, { validateStatus: () => true }))).toEqual([
      400,
      "The request path is not valid percent-encoding.",
    ])
    const save = (changed: Record<string, unknown>) =>
      refusal(api.post("/admin/flows", { name: "Bad", definition: { ...definition, ...changed } }, admin))
    expect(
      await save({
        steps: [
          { id: "w", type: "wait", duration: { amount: 2, unit: "days" } },
          { id: "x", type: "exit" },
        ],
      })
    ).toEqual([201, undefined])
    expect(await save({ steps: [{ id: "w", type: "wait", duration: { amount: 400, unit: "days" } }] })).toEqual([
      400,
      expect.stringContaining("a duration can be at most 366 days"),
    ])
    const deepFilters = JSON.parse(withFilters(deepGroupsJson(21))).definition.trigger
    expect(await save({ trigger: deepFilters })).toEqual([400, expect.stringContaining("condition groups are nested 21 levels deep")])
    const preview = (body: string) => refusal(api.post("/admin/flows/preview", { channel: "sms", template: { body } }, admin))
    expect(await preview("{% include 'footer' %}")).toEqual([400, expect.stringMatching(/^The template could not be rendered: .*footer/)])
    // Over the cap but quick to render: a longer loop can meet the render time limit first on a busy machine.
    expect(await preview("{% for i in (1..2000) %}x{% endfor %}")).toEqual([
      400,
      "The template could not be rendered: the rendered text message has 2,000 characters; at most 1,600 are allowed",
    ])
    const sendTest = await refusal(
      api.post(
        `/admin/flows/${(await api.post("/admin/flows", { name: "T", definition }, admin)).data.flow.id}/steps/hello/send-test`,
        {
          to: "owner@example.com",
          template: { subject: "s", html: "{% render 'x' %}" },
        },
        admin
      )
    )
    expect(sendTest).toEqual([400, expect.stringMatching(/^The template could not be rendered: /)])
  })

  for (const area of ["/admin", "/store", "/flows", "/hooks"]) {
    it(`answers malformed input to every ${area} route without a 5xx`, async () => {
      const headers = area === "/admin" ? store.adminHeaders.headers : area === "/store" ? store.storeHeaders.headers : {}
      const { data } = await api.post("/admin/flows", { name: "Fuzz target", definition }, store.adminHeaders)
      const realIds: Record<string, string> = {
        id: data.flow.id,
        step_id: "hello",
        customer_id: "cus_1",
        order_id: "order_1",
        code: "abc",
        split_id: "ab",
      }
      const failures: string[] = []
      let sent = 0

      /** Sends the body as JSON text (or `raw` text as it is), so axios does not walk a deep body itself. */
      async function send(method: string, url: string, body?: unknown, raw = false) {
        sent += 1
        const text = raw ? (body as string) : body === undefined ? undefined : JSON.stringify(body)
        const response = await api.request({
          method,
          url,
          data: text,
          headers: { ...headers, "content-type": "application/json" },
          validateStatus: () => true,
          transformRequest: [(data: unknown) => data],
        })
        if (response.status >= 500) {
          const shown = `${url.slice(0, 100)} ${text?.slice(0, 100) ?? ""}`
          failures.push(`${method} ${shown} -> ${response.status} ${JSON.stringify(response.data).slice(0, 160)}`)
        }
      }

      for (const route of ROUTES.filter((r) => r.path.startsWith(area))) {
        const withParams = (values: Record<string, string>) => route.path.replace(/:(\w+)/g, (_, name) => values[name])
        const url = withParams(realIds)
        const validBody = VALID_BODIES[`${route.method} ${route.path}`]
        for (const param of route.params) {
          for (const bad of BAD_IDS.filter((id) => area !== "/admin" || id !== MALFORMED_ENCODING)) {
            await send(route.method, withParams({ ...realIds, [param]: bad }), validBody)
          }
        }
        for (const query of STRUCTURAL_QUERIES) {
          await send(route.method, `${url}?${query}`, validBody)
        }
        if (route.method === "GET") {
          for (const key of QUERY_KEYS) {
            await send("GET", `${url}?${key}=a%00b`)
          }
          for (const query of GET_QUERIES) {
            await send("GET", `${url}?${query}`)
          }
        }
        if (takesBody(route)) {
          for (const body of GENERIC_BODIES) {
            await send(route.method, url, body, true)
          }
          for (const body of bodyMutations(validBody)) {
            await send(route.method, url, body)
          }
        }
      }
      // Bounded, so the suite stays fast (some 20 requests per route and parameter).
      expect(sent).toBeLessThan(1000)
      expect(failures).toEqual([])
    })
  }
})
