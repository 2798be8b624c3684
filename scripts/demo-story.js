// `npm run demo -- --simulate`: a scripted story through the store and admin APIs of the running demo
// store, printed as it happens. Returns what the outbox holds for each shopper, for the smoke check.

const AVA = { email: "ava@example.com", phone: "+12025550143", first_name: "Ava" }
const BEN = { email: "ben@example.com", phone: "+12025550144", first_name: "Ben" }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function client(baseUrl) {
  let headers = {}
  async function call(method, path, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const data = await response.json().catch(() => ({}))
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${data.message ?? ""}`)
    }
    return data
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body = {}) => call("POST", path, body),
    use: (extra) => (headers = { ...headers, ...extra }),
  }
}

async function until(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await check()
    if (value) {
      return value
    }
    await sleep(500)
  }
  throw new Error(`gave up waiting for ${what}`)
}

/**
 * @param {{ baseUrl: string, admin: { email: string, password: string }, log: (line: string) => void,
 *   secondsPerDay: number }} options
 */
async function runStory({ baseUrl, admin, log, secondsPerDay }) {
  const adminApi = client(baseUrl)
  const { token } = await adminApi.post("/auth/user/emailpass", admin)
  adminApi.use({ authorization: `Bearer ${token}` })
  const { api_keys } = await adminApi.get("/admin/api-keys?type=publishable&limit=1")
  const storeApi = client(baseUrl)
  storeApi.use({ "x-publishable-api-key": api_keys[0].token })
  const { regions } = await storeApi.get("/store/regions")
  const { products } = await storeApi.get("/store/products?fields=*variants&limit=2")
  const [tee, sweatshirt] = products
  const region = regions[0]
  const { shipping_options } = await adminApi.get(`/admin/shipping-options?limit=1`)
  const { stock_locations } = await adminApi.get("/admin/stock-locations?limit=1")
  const flowTimeout = secondsPerDay * 1000 * 10

  /** Waits for a flow step's message to a recipient (its idempotency key ends with the step id) and prints it. */
  async function nextMessage(to, stepId, label) {
    const message = await until(
      async () => {
        const { messages } = await adminApi.get(`/admin/flows/messages?to=${encodeURIComponent(to)}&limit=50`)
        return messages.find((m) => m.step_id === stepId)
      },
      label,
      flowTimeout
    )
    const what = message.channel === "sms" ? `text "${message.text}"` : `email "${message.subject}"`
    log(`  → ${label}: ${what} to ${to} (${message.status})`)
    return message
  }

  const address = (person) => ({
    first_name: person.first_name,
    last_name: "Shopper",
    address_1: "5 Elm St",
    city: "Austin",
    country_code: "us",
    postal_code: "73301",
    phone: person.phone,
  })
  async function addToCart(person, product) {
    const { cart } = await storeApi.post("/store/carts", {
      region_id: region.id,
      email: person.email,
      shipping_address: address(person),
      items: [{ variant_id: product.variants[0].id, quantity: 1 }],
    })
    return cart
  }

  log(`1. ${AVA.first_name} signs up for texts at checkout, puts a ${tee.title} in her cart and leaves.`)
  await storeApi.post("/store/flows/consent", {
    email: AVA.email,
    phone: AVA.phone,
    first_name: AVA.first_name,
    channels: ["sms"],
    source: "checkout",
    text: "Text me about my cart and orders. Reply STOP to opt out.",
  })
  await nextMessage(AVA.phone, "sms-confirmation", "SMS double opt-in")
  await adminApi.post("/admin/flows/sandbox/replies", { from: AVA.phone, body: "YES" })
  log(`  → she replies YES: texts to ${AVA.phone} may start`)
  await addToCart(AVA, tee)
  log(`   The abandoned-cart flow waits for the cart to sit idle (1 hour, here ${(secondsPerDay / 24).toFixed(1)} s)…`)
  await nextMessage(AVA.email, "reminder-email", "after 1 hour")
  await nextMessage(AVA.phone, "reminder-sms", "after 24 hours, with SMS consent")
  const lastCall = await nextMessage(AVA.email, "last-call-email", "after 72 hours")
  const code = lastCall.html.match(/COMEBACK-[0-9A-F]+/)?.[0]
  log(`     with the single-use code ${code}`)

  log(`2. ${AVA.first_name} replies STOP to the text.`)
  const { keyword } = await adminApi.post("/admin/flows/sandbox/replies", { from: AVA.phone, body: "STOP" })
  log(`  → recorded as "${keyword}": no more texts to ${AVA.phone}`)

  log(`3. ${BEN.first_name} leaves a ${sweatshirt.title} in his cart, gets the first reminder, then buys.`)
  const benCart = await addToCart(BEN, sweatshirt)
  await nextMessage(BEN.email, "reminder-email", "after 1 hour")
  await storeApi.post(`/store/carts/${benCart.id}/shipping-methods`, { option_id: shipping_options[0].id })
  const { payment_collection } = await storeApi.post("/store/payment-collections", { cart_id: benCart.id })
  await storeApi.post(`/store/payment-collections/${payment_collection.id}/payment-sessions`, { provider_id: "pp_system_default" })
  const { order } = await storeApi.post(`/store/carts/${benCart.id}/complete`)
  log(`  → order #${order.display_id} placed`)
  const exited = await until(
    async () => {
      const found = await adminApi.get(`/admin/flows/runs?cart_id=${benCart.id}`)
      // The order's post-purchase run follows the same cart; the abandoned-cart run is the one that exits.
      return found.runs.find((run) => run.status === "exited") ?? null
    },
    "the reminders to stop",
    flowTimeout
  )
  log(`  → his abandoned-cart reminders stop (${exited.exit_reason})`)
  const { attribution } = await until(
    async () => {
      const activity = await adminApi.get(`/admin/flows/orders/${order.id}`)
      return activity.attribution ? activity : null
    },
    "the order to be credited",
    flowTimeout
  )
  log(
    `  → the order (${attribution.currency_code.toUpperCase()} ${attribution.amount}) is credited to "${attribution.flow_name}", step ${attribution.step_id}`
  )
  await nextMessage(BEN.email, "thank-you-email", "right after the order")

  log(`4. The order ships and is delivered.`)
  const items = order.items.map((item) => ({ id: item.id, quantity: item.quantity }))
  await adminApi.post(`/admin/orders/${order.id}/fulfillments`, { location_id: stock_locations[0].id, items })
  const { order: fulfilled } = await adminApi.get(`/admin/orders/${order.id}?fields=*fulfillments`)
  const fulfillment = fulfilled.fulfillments[0]
  await adminApi.post(`/admin/orders/${order.id}/fulfillments/${fulfillment.id}/shipments`, { items })
  log("  → shipped")
  await adminApi.post(`/admin/orders/${order.id}/fulfillments/${fulfillment.id}/mark-as-delivered`)
  log(`  → delivered; the review request follows 5 days later (here ${(secondsPerDay * 5).toFixed(0)} s)…`)
  const review = await nextMessage(BEN.email, "review-email", "review request")
  log(`     linking to ${review.html.match(/href="([^"]+#reviews)"/)?.[1]}`)

  log("Done. The admin's Flows pages show these runs and messages.")
  const outbox = async (to) => (await adminApi.get(`/admin/flows/messages?to=${encodeURIComponent(to)}&limit=50`)).messages
  return {
    ava: [...(await outbox(AVA.email)), ...(await outbox(AVA.phone))],
    ben: await outbox(BEN.email),
    code,
    keyword,
    attribution,
  }
}

module.exports = { runStory }
