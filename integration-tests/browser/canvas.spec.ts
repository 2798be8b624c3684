import { spawn, type ChildProcess } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"

// The flow canvas in Chromium, against the demo store built and served as a store serves it, in a
// database of its own (so this spec runs independently of admin.spec.ts).
const {
  ADMIN,
  STORE_DIR,
  linkPlugin,
  medusa,
  medusaBin,
  prepareDatabase,
  setUpStore,
  stopMedusa,
  waitForHealth,
} = require("../../scripts/demo-store")

jest.setTimeout(600_000)

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium"
const PORT = 9100
const BASE_URL = `http://localhost:${PORT}`
const SCREENSHOTS = path.resolve(process.env.SCREENSHOTS_DIR || path.join(__dirname, "..", "..", ".data", "screenshots"))
const log = (line: string) => console.log(`[canvas] ${line}`)

let server: ChildProcess
let browser: Browser
let page: Page
let storeKey: string
const consoleErrors: string[] = []
/** Requests a test makes fail on purpose; the browser logs their 4xx as console errors. */
const expectedFailures: RegExp[] = []

async function adminToken() {
  const response = await fetch(`${BASE_URL}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  })
  return ((await response.json()) as { token: string }).token
}

async function call(pathname: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${BASE_URL}${pathname}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const data = (await response.json()) as any
  if (!response.ok) {
    throw new Error(`${pathname}: ${response.status} ${data.message}`)
  }
  return data
}

/**
 * Clicks Save. Medusa's toasts (a refused connection, "Removed … Undo") stack over the page's top-right
 * corner, where Save is; a person closes them or waits, the test presses the button itself.
 */
const save = async () => await page.getByRole("button", { name: "Save" }).dispatchEvent("click")

const asAdmin = async () => ({ authorization: `Bearer ${await adminToken()}` })

beforeAll(async () => {
  const db = {
    host: process.env.DB_HOST || "localhost",
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USERNAME || "postgres",
    password: process.env.DB_PASSWORD || "",
  }
  const env = {
    ...process.env,
    DATABASE_URL: await prepareDatabase(db, "medusa_flows_canvas", { reset: true }),
    PORT: String(PORT),
    LOG_LEVEL: "error",
  }
  log("building the store and its admin")
  linkPlugin()
  await medusa(["build", "--no-lint"], env)
  await setUpStore(env, log)
  log("starting the built store")
  server = spawn(medusaBin, ["start"], { cwd: path.join(STORE_DIR, ".medusa", "server"), env, detached: true, stdio: "ignore" })
  await waitForHealth(BASE_URL, server)
  const { api_keys } = await call("/admin/api-keys?type=publishable&limit=1", { headers: await asAdmin() })
  storeKey = api_keys[0].token

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.on("console", (message) => {
    const url = message.location().url
    if (message.type() === "error" && !message.text().includes("net::ERR_") && !expectedFailures.some((re) => re.test(url))) {
      consoleErrors.push(`${message.text()} (${url})`)
    }
  })
  page.on("pageerror", (error) => consoleErrors.push(error.message))
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  // Building the store's admin (Medusa's dashboard with the extensions) is slow on a busy machine.
}, 1_800_000)

afterAll(async () => {
  await browser?.close()
  await stopMedusa(server)
})

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false })
}

const node = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`)

/** The canvas's nodes and edges as drawn, to compare two renderings of a flow. */
async function drawn() {
  const nodes = await page.locator(".react-flow__node").evaluateAll((els) => els.map((el) => el.getAttribute("data-id")).sort())
  const edges = await page
    .locator(".react-flow__edge")
    .evaluateAll((els) => els.map((el) => el.getAttribute("data-testid")?.replace(/^rf__edge-/, "")).sort())
  return { nodes, edges }
}

/** Waits for the keyboard focus to be on a node (the canvas moves it after React has drawn). */
const focusOn = (id: string) =>
  page.waitForFunction((nodeId) => document.activeElement?.getAttribute("data-id") === nodeId, id, { timeout: 5000 })

/** Drags from one point to another with the mouse, in steps, as an owner does. */
async function drag(from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y)
  await page.mouse.down()
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 8 })
  await page.mouse.move(to.x, to.y, { steps: 8 })
  await page.mouse.up()
}

async function centre(selector: string) {
  const box = (await page.locator(selector).boundingBox())!
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 }
}

describe("the flow canvas", () => {
  let flowId: string

  it("log in as an admin", async () => {
    await page.goto(`${BASE_URL}/app/login`)
    await page.getByPlaceholder("Email").fill(ADMIN.email)
    await page.getByPlaceholder("Password").fill(ADMIN.password)
    await page.getByRole("button", { name: "Continue with Email" }).click()
    await page.waitForURL(/\/app\/orders/)
  })

  it("builds a three-step flow with a condition on the canvas, saves it, and reloads it unchanged", async () => {
    const { flow } = await call("/admin/flows", {
      method: "POST",
      headers: await asAdmin(),
      body: {
        name: "Canvas-built",
        definition: {
          trigger: { event: "cart.updated" },
          steps: [{ id: "wait-1h", type: "wait", duration: { amount: 1, unit: "hours" } }],
        },
      },
    })
    flowId = flow.id
    await page.goto(`${BASE_URL}/app/flows/${flowId}`)
    await page.getByTestId("flow-canvas").waitFor()
    await node("wait-1h").waitFor()

    // A condition after the wait: select the wait, pick the type.
    await node("wait-1h").click()
    await page.getByRole("combobox", { name: "Add a step after the selected one" }).click()
    await page.getByRole("option", { name: "condition" }).click()
    await node("condition-1").waitFor()
    await focusOn("condition-1")

    // Enter opens the step in the side panel; the condition is edited there.
    await page.keyboard.press("Enter")
    const panel = page.getByRole("dialog")
    await panel.getByRole("heading", { name: "condition · condition-1" }).waitFor()
    await panel.getByRole("combobox", { name: "Field" }).click()
    await page.getByRole("option", { name: "cart.total", exact: true }).click()
    await panel.getByRole("combobox", { name: "Operator" }).click()
    await page.getByRole("option", { name: "gte", exact: true }).click()
    await panel.getByLabel("Value").fill("50")
    await panel.getByRole("button", { name: "Done" }).click()
    await panel.waitFor({ state: "detached" })
    expect(await node("condition-1").textContent()).toContain("If cart.total gte 50")

    // An email on the Yes branch, from the + on that edge.
    await page.getByRole("button", { name: "Add a step between condition-1 (Yes) and the end" }).click()
    await page.getByRole("menuitem", { name: "send email" }).click()
    await node("send-email-1").waitFor()
    await focusOn("send-email-1")
    await page.keyboard.press("Enter")
    await panel.getByLabel("Subject").fill("Your cart is waiting")
    await panel.getByRole("button", { name: "Done" }).click()
    await panel.waitFor({ state: "detached" })

    // A text after the email, then moved onto the No branch by connecting No to it.
    await node("send-email-1").click()
    await page.getByRole("combobox", { name: "Add a step after the selected one" }).click()
    await page.getByRole("option", { name: "send sms" }).click()
    await node("send-sms-1").waitFor()
    expect((await drawn()).edges).toContain("send-email-1:out->send-sms-1")
    // The whole flow in sight, to drag between its handles.
    await page.getByTestId("flow-canvas").scrollIntoViewIfNeeded()
    await page.locator(".react-flow__controls-fitview").click()
    await drag(
      await centre('.react-flow__node[data-id="condition-1"] .react-flow__handle[data-handleid="else"]'),
      await centre('.react-flow__node[data-id="send-sms-1"] .react-flow__handle.target')
    )
    await page.waitForFunction(() => document.querySelector('[data-testid="rf__edge-condition-1:else->send-sms-1"]'))
    expect((await drawn()).edges).toEqual(
      expect.arrayContaining([
        "condition-1:then->send-email-1",
        "condition-1:else->send-sms-1",
        "send-email-1:out->__end",
        "send-sms-1:out->__end",
      ])
    )

    // A connection the tree cannot hold is refused, with the reason.
    await drag(
      await centre('.react-flow__node[data-id="send-email-1"] .react-flow__handle.source'),
      await centre('.react-flow__node[data-id="condition-1"] .react-flow__handle.target')
    )
    await page.getByText("condition-1 cannot go inside its own branches.").waitFor()

    // The keyboard: arrows walk the flow, Delete removes the step, and the removal can be undone.
    await node("__trigger").focus()
    await page.keyboard.press("ArrowDown")
    await focusOn("wait-1h")
    await page.keyboard.press("ArrowDown")
    await focusOn("condition-1")
    // Down from a condition: its Yes branch; across: the No branch beside it.
    await page.keyboard.press("ArrowDown")
    await focusOn("send-email-1")
    const yesX = (await node("send-email-1").boundingBox())!.x
    const noX = (await node("send-sms-1").boundingBox())!.x
    await page.keyboard.press(noX > yesX ? "ArrowRight" : "ArrowLeft")
    await focusOn("send-sms-1")
    await page.keyboard.press("Enter")
    await page.getByRole("dialog").getByRole("heading", { name: "send sms · send-sms-1" }).waitFor()
    await page.keyboard.press("Escape")
    await page.getByRole("dialog").waitFor({ state: "detached" })
    await node("send-sms-1").focus()
    await page.keyboard.press("Delete")
    await page.getByText("Removed send-sms-1").waitFor()
    await node("send-sms-1").waitFor({ state: "detached" })
    await page
      .getByRole("button", { name: "Undo removing send-sms-1" })
      .or(page.getByRole("button", { name: "Undo", exact: true }))
      .first()
      .click()
    await node("send-sms-1").waitFor()

    await save()
    // The edited definition is a new version of the draft.
    await page.getByText("Saved as version 2.").waitFor()
    await screenshot("flow-canvas")

    const expected = {
      trigger: { event: "cart.updated" },
      steps: [
        { id: "wait-1h", type: "wait", duration: { amount: 1, unit: "hours" } },
        {
          id: "condition-1",
          type: "condition",
          if: { all: [{ field: "cart.total", op: "gte", value: 50 }] },
          then: [
            {
              id: "send-email-1",
              type: "send_email",
              template: { subject: "Your cart is waiting", html: "<p>Hi {{ customer.first_name }}</p>" },
            },
          ],
          else: [{ id: "send-sms-1", type: "send_sms", template: { body: "{{ store.name }}: hello! Reply STOP to opt out." } }],
        },
      ],
    }
    const saved = (await call(`/admin/flows/${flowId}`, { headers: await asAdmin() })).flow
    expect(saved.definition).toEqual(expected)

    const before = await drawn()
    await page.reload()
    await node("send-sms-1").waitFor()
    expect(await drawn()).toEqual(before)
    expect(before.nodes).toEqual(["__end", "__trigger", "condition-1", "send-email-1", "send-sms-1", "wait-1h"])
    // Saving the reloaded flow changes nothing.
    await save()
    await page.getByText("Saved.").waitFor()
    expect((await call(`/admin/flows/${flowId}`, { headers: await asAdmin() })).flow).toMatchObject({ version: 2, definition: expected })
  })

  it("shows validation errors on their nodes, before saving and from the API", async () => {
    await node("send-email-1").focus()
    await page.keyboard.press("Enter")
    const panel = page.getByRole("dialog")
    expectedFailures.push(new RegExp(`/admin/flows/${flowId}$`), /\/admin\/flows\/preview$/)
    // An empty subject: the same schema as the API's, checked as the owner types.
    await panel.getByLabel("Subject").fill("")
    await page.getByTestId("node-error-send-email-1").waitFor()
    expect(await page.getByTestId("node-error-send-email-1").textContent()).toMatch(/^subject: /)
    // A template the API refuses: its message lands on the node it names.
    await panel.getByLabel("Subject").fill("Hi {% if %}")
    await panel.getByRole("button", { name: "Done" }).click()
    await save()
    await page.getByTestId("save-error").waitFor()
    await page.getByTestId("node-error-send-email-1").waitFor()
    expect(await page.getByTestId("node-error-send-email-1").textContent()).toMatch(/^subject: line 1, column \d+/)
    await screenshot("flow-canvas-error")
  })

  it("keeps a flow of 30 steps readable, with live counts on its nodes", async () => {
    const steps: any[] = []
    for (let n = 0; steps.length < 26; n++) {
      if (n % 9 === 2) {
        steps.push({
          id: `opened-${n}`,
          type: "condition",
          if: { all: [{ field: "engagement.opened", op: "eq", value: true }] },
          then: [{ id: `thanks-${n}`, type: "send_email", template: { subject: `Thanks ${n}`, html: "<p>Thanks</p>" } }],
          else: [{ id: `nudge-${n}`, type: "send_sms", template: { body: "Still there? Reply STOP to opt out." } }],
        })
      } else if (n === 6) {
        steps.push({
          id: "ab",
          type: "split",
          variants: [
            { key: "a", weight: 50, steps: [{ id: "offer-a", type: "send_email", template: { subject: "10% off", html: "<p>A</p>" } }] },
            {
              key: "b",
              weight: 50,
              steps: [{ id: "offer-b", type: "send_email", template: { subject: "Free shipping", html: "<p>B</p>" } }],
            },
          ],
        })
      } else {
        steps.push(
          n % 2
            ? { id: `email-${n}`, type: "send_email", template: { subject: `Message ${n}`, html: "<p>Hi</p>" } }
            : { id: `wait-${n}`, type: "wait", duration: { amount: 1, unit: "days" } }
        )
      }
    }
    const admin = await asAdmin()
    const { flow } = await call("/admin/flows", {
      method: "POST",
      headers: admin,
      body: { name: "Long series", definition: { trigger: { event: "cart.updated" }, steps } },
    })
    await call(`/admin/flows/${flow.id}/activate`, { method: "POST", headers: admin, body: {} })
    // A shopper enters it: the run waits at the first step, and the canvas counts it there.
    const { regions } = await call("/store/regions", { headers: { "x-publishable-api-key": storeKey } })
    const { products } = await call("/store/products?handle=t-shirt&fields=*variants", { headers: { "x-publishable-api-key": storeKey } })
    await call("/store/carts", {
      method: "POST",
      headers: { "x-publishable-api-key": storeKey },
      body: { region_id: regions[0].id, email: "lena@example.com", items: [{ variant_id: products[0].variants[0].id, quantity: 1 }] },
    })
    for (let i = 0; i < 60; i++) {
      const counts = await call(`/admin/flows/${flow.id}/step-counts`, { headers: admin })
      if (counts.steps["wait-0"]?.waiting) break
      await new Promise((resolve) => setTimeout(resolve, 500))
    }

    await page.goto(`${BASE_URL}/app/flows/${flow.id}`)
    await node("wait-0").waitFor()
    await page.getByTestId("node-counts-wait-0").filter({ hasText: "1 waiting" }).waitFor()
    const { nodes } = await drawn()
    expect(nodes.length - 2).toBeGreaterThanOrEqual(30)
    // Opened at a readable size from its top, not shrunk to fit: a node keeps its width on screen.
    const box = (await node("__trigger").boundingBox())!
    expect(box.width).toBeGreaterThan(200)
    expect(box.y).toBeGreaterThan(0)
    await page.getByTestId("flow-canvas").scrollIntoViewIfNeeded()
    await screenshot("flow-canvas-30-steps")
    expect(consoleErrors).toEqual([])
  })
})
