import { spawn, type ChildProcess } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { FakeSendGrid } from "../fakes/sendgrid"

// The email designer and the brand settings in the built admin, against the demo store with SendGrid
// (the in-repo fake) configured and no postal address: what the address warning is about.
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
const log = (line: string) => console.log(`[designer] ${line}`)

const sendgrid = new FakeSendGrid()
let server: ChildProcess
let browser: Browser
let page: Page
const consoleErrors: string[] = []

async function adminHeaders() {
  const response = await fetch(`${BASE_URL}/auth/user/emailpass`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  })
  return { authorization: `Bearer ${((await response.json()) as { token: string }).token}` }
}

async function call(pathname: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${BASE_URL}${pathname}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json", ...(await adminHeaders()) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  })
  const data = (await response.json()) as any
  if (!response.ok) {
    throw new Error(`${pathname}: ${response.status} ${data.message}`)
  }
  return data
}

beforeAll(async () => {
  await sendgrid.start()
  const db = {
    host: process.env.DB_HOST || "localhost",
    port: Number(process.env.DB_PORT || 5432),
    user: process.env.DB_USERNAME || "postgres",
    password: process.env.DB_PASSWORD || "",
  }
  const env = {
    ...process.env,
    DATABASE_URL: await prepareDatabase(db, "medusa_flows_browser_designer", { reset: true }),
    PORT: String(PORT),
    LOG_LEVEL: "error",
    SENDGRID_API_KEY: sendgrid.apiKey,
    SENDGRID_API_BASE_URL: sendgrid.url,
  }
  log("building the store and its admin")
  linkPlugin()
  await medusa(["build", "--no-lint"], env)
  await setUpStore(env, log)
  log("starting the built store")
  server = spawn(medusaBin, ["start"], { cwd: path.join(STORE_DIR, ".medusa", "server"), env, detached: true, stdio: "ignore" })
  await waitForHealth(BASE_URL, server)

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
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().includes("net::ERR_")) {
      consoleErrors.push(`${message.text()} (${message.location().url})`)
    }
  })
  page.on("pageerror", (error) => consoleErrors.push(error.message))
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  // Building the store and its admin takes minutes, more on a busy machine.
}, 1_500_000)

afterAll(async () => {
  await browser?.close()
  await stopMedusa(server)
  await sendgrid.stop()
})

/** Picks an option of a @medusajs/ui Select by its trigger's accessible name. */
async function choose(scope: Page | ReturnType<Page["locator"]>, trigger: string, option: string | RegExp) {
  await scope.getByRole("combobox", { name: trigger }).click()
  await page.getByRole("option", { name: option }).click()
}

describe("the email designer", () => {
  it("logs in", async () => {
    await page.goto(`${BASE_URL}/app/login`)
    await page.getByPlaceholder("Email").fill(ADMIN.email)
    await page.getByPlaceholder("Password").fill(ADMIN.password)
    await page.getByRole("button", { name: "Continue with Email" }).click()
    await page.waitForURL(/\/app\/orders/)
  })

  it("warns in the settings page while SendGrid has no postal address, until the brand has one", async () => {
    await page.goto(`${BASE_URL}/app/flows/settings`)
    const brand = page.locator('[data-section="brand"]')
    const warning = brand.locator('[data-warning="missing_address"]')
    await warning.waitFor()
    expect(await warning.textContent()).toContain("CAN-SPAM")

    await brand.getByLabel("Postal address").fill("Flows Demo Store Inc.\n548 Market St\nSan Francisco, CA 94104")
    await brand.getByLabel("Accent (buttons, links, code)", { exact: true }).fill("#2563eb")
    await choose(brand, "Font", "Georgia")
    await brand.getByRole("button", { name: "Save brand" }).click()
    await page.getByText(/Brand saved/).waitFor()
    await warning.waitFor({ state: "detached" })
    await page.screenshot({ path: path.join(SCREENSHOTS, "brand-settings.png") })

    const { brand: saved, warnings } = await call("/admin/flows/settings")
    expect(warnings).toEqual([])
    expect(saved.effective).toMatchObject({
      accent_color: "#2563eb",
      font: "georgia",
      address: "Flows Demo Store Inc.\n548 Market St\nSan Francisco, CA 94104",
    })
  })

  it("builds an email from blocks, saves its HTML and previews it at 600 and 375 px", async () => {
    const { flow } = await call("/admin/flows", {
      method: "POST",
      body: {
        name: "Designer test",
        definition: {
          trigger: { event: "cart.updated", filters: { all: [{ field: "cart.email", op: "exists" }] } },
          steps: [
            { id: "wait", type: "wait", duration: { amount: 1, unit: "hours" } },
            {
              id: "designed",
              type: "send_email",
              template: { subject: "Your cart is waiting", blocks: [{ type: "text", text: "Hello" }] },
            },
          ],
        },
      },
    })
    await page.goto(`${BASE_URL}/app/flows/${flow.id}`)
    // The flow page opens on the canvas; the designer sits in the list view's step forms.
    await page.getByRole("tab", { name: "List" }).click()
    const step = page.locator('[data-step-id="designed"]')
    await step.getByRole("group", { name: "Email content" }).getByRole("button", { name: "Blocks" }).waitFor()
    expect(await step.getByRole("button", { name: "Blocks" }).getAttribute("aria-pressed")).toBe("true")

    // The greeting: typed, then a variable from the picker inserted at the cursor.
    const text = step.getByLabel("Text", { exact: true })
    await text.fill("Hi , your cart is saved.")
    await text.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(3, 3))
    await choose(step, "Insert a variable into Text", "customer.first_name")
    expect(await text.inputValue()).toBe("Hi {{ customer.first_name }}, your cart is saved.")

    // Add the header, and move it to the top; then the cart's products and a button.
    await choose(step, "Add a block", "Header with logo")
    await step.getByRole("listitem", { name: "Block 2: Header with logo" }).getByRole("button", { name: "Move up" }).click()
    await choose(step, "Add a block", "Products in the cart or order")
    await choose(step, "Add a block", "Button")
    const button = step.getByRole("listitem", { name: "Block 4: Button" })
    await button.getByLabel("Label", { exact: true }).fill("Back to your cart")
    // The variable replaces the selected default link: an empty link in between would be refused by the preview.
    await button.getByLabel("Link", { exact: true }).evaluate((el: HTMLInputElement) => el.setSelectionRange(0, el.value.length))
    await choose(button, "Insert a variable into Link", "links.recovery")

    const frame = step.frameLocator("iframe")
    await frame.getByText("Hi Ann, your cart is saved.").waitFor()
    await frame.getByText("Back to your cart").waitFor()
    await frame.getByText("Enamel Mug").waitFor()
    await frame.getByText("San Francisco, CA 94104").waitFor()

    await page.getByRole("button", { name: "Save" }).click()
    await page.getByText(/Saved as version 2/).waitFor()
    const saved = await call(`/admin/flows/${flow.id}`)
    const template = saved.flow.definition.steps[1].template
    expect(template.blocks).toEqual([
      { type: "header" },
      { type: "text", text: "Hi {{ customer.first_name }}, your cart is saved." },
      { type: "items", source: "cart" },
      { type: "button", label: "Back to your cart", href: "{{ links.recovery }}" },
    ])
    expect(template.html).toContain("Hi {{ customer.first_name }}, your cart is saved.")
    expect(template.html).toContain("{% for item in cart.items %}")
    expect(template.html).toContain('href="{{ links.recovery }}"')
    expect(template.html).toContain("{{ store.address | escape | newline_to_br | raw }}")
    expect(template.html).toContain("@media only screen and (min-width:480px)")

    const iframe = step.locator("iframe")
    for (const [mode, width] of [
      ["Desktop (600px)", 600],
      ["Mobile (375px)", 375],
    ] as const) {
      await step.getByRole("group", { name: "Preview width" }).getByRole("button", { name: mode }).click()
      await step.locator(`iframe[data-preview-width="${width}"]`).waitFor()
      expect((await iframe.boundingBox())!.width).toBeCloseTo(width, 0)
      // Nothing wider than the screen: the email reflows instead of scrolling sideways.
      const scrollWidth = await frame.locator("body").evaluate((body) => body.scrollWidth)
      expect(scrollWidth).toBeLessThanOrEqual(width)
      const buttonBox = await frame.getByText("Back to your cart").boundingBox()
      expect(buttonBox!.width).toBeLessThan(width)
      await iframe.screenshot({ path: path.join(SCREENSHOTS, `email-designer-${width}.png`) })
    }
    await step.scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(SCREENSHOTS, "email-designer.png") })
  })

  it("keeps raw HTML available: switching turns the blocks into their HTML", async () => {
    const step = page.locator('[data-step-id="designed"]')
    await step.getByRole("group", { name: "Email content" }).getByRole("button", { name: "HTML" }).click()
    await page.getByRole("button", { name: "Edit as HTML" }).click()
    const html = step.getByLabel("HTML", { exact: true })
    await html.waitFor()
    expect(await html.inputValue()).toContain("{% for item in cart.items %}")
    expect(await step.getByTestId("block-editor").count()).toBe(0)
    await step.frameLocator("iframe").getByText("Hi Ann, your cart is saved.").waitFor()
  })

  it("logged no errors in the browser", () => {
    expect(consoleErrors).toEqual([])
  })
})
