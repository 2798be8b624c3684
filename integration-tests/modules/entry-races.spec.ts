import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import { abandonedCart } from "../../src/modules/flows/built-in/abandoned-cart"
import type FlowsModuleService from "../../src/modules/flows/service"
import * as runSql from "../../src/modules/flows/sql/runs"
import type { StoreEvent } from "../../src/modules/flows/types"

// Entry reads the person's active run, then decides and writes, in separate statements. These tests put
// another event's write between the read and the write, which concurrent events otherwise do only now and then.
jest.mock("../../src/modules/flows/sql/runs", () => {
  const actual = jest.requireActual("../../src/modules/flows/sql/runs")
  return { ...actual, activeRunOfContact: jest.fn(actual.activeRunOfContact) }
})
const activeRunOfContact = jest.mocked(runSql.activeRunOfContact)
const { activeRunOfContact: readActiveRun } = jest.requireActual<typeof runSql>("../../src/modules/flows/sql/runs")

jest.setTimeout(60_000)

const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  defaults: { channelCaps: { email: null, sms: null }, overlapWindow: null },
}

const T0 = new Date("2026-03-02T15:00:00Z")
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000)

function cartEvent(id: string, created: Date): StoreEvent {
  return {
    name: "cart.updated",
    occurred_at: created,
    subject: { type: "cart", id },
    identity: { cart_id: id, email: "bo@example.com" },
    facts: {
      cart: { id, email: "bo@example.com", created_at: created.toISOString(), item_count: 1, items: [{ variant_id: "v", quantity: 1 }] },
    },
  }
}

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  testSuite: ({ service }) => {
    async function activeAbandonedCart() {
      const flow = await service.createFlowWithDefinition({ name: "Abandoned cart", definition: abandonedCart.definition })
      return await service.setFlowStatus(flow.id, "active")
    }
    afterEach(() => {
      activeRunOfContact.mockReset()
      activeRunOfContact.mockImplementation(readActiveRun)
    })

    const cartOfRun = async (flowId: string) =>
      (await service.listFlowRuns({ flow_id: flowId, status: "active" })).map((run) => run.cart_id)

    it("follows the newer cart when the person's run starts between entry's two reads", async () => {
      const flow = await activeAbandonedCart()
      const first = await service.recordEvent(cartEvent("cart_1", T0))
      // The second cart's event looked for an active run just before the first one's run was written.
      activeRunOfContact.mockResolvedValueOnce(undefined)
      const second = await service.recordEvent(cartEvent("cart_2", at(0.2)))
      expect(second).toMatchObject({ entered: [], followed: first.entered })
      // Once for the first cart, and twice for the second: the read that missed the run, and the read again.
      expect(activeRunOfContact).toHaveBeenCalledTimes(3)
      expect(await cartOfRun(flow.id)).toEqual(["cart_2"])
    })

    it("never moves a run back to an older cart on what it read before another event moved it on", async () => {
      const flow = await activeAbandonedCart()
      await service.recordEvent(cartEvent("cart_1", T0))
      // The event about cart_2 reads the run while it is still on cart_1 ...
      activeRunOfContact.mockImplementationOnce(async (...args) => {
        const before = await readActiveRun(...args)
        // ... and before it writes, the event about the newer cart_3 moves the run on.
        await service.recordEvent(cartEvent("cart_3", at(0.5)))
        return before
      })
      const stale = await service.recordEvent(cartEvent("cart_2", at(0.2)))
      expect(stale.followed).toEqual([])
      expect(await cartOfRun(flow.id)).toEqual(["cart_3"])
    })
  },
})
