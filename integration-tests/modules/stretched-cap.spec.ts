import path from "node:path"
import { moduleIntegrationTestRunner } from "@medusajs/test-utils"
import { FLOWS_MODULE } from "../../src/modules/flows"
import type FlowsModuleService from "../../src/modules/flows/service"
import { renderedEmail } from "../helpers/rendered-send"

jest.setTimeout(60_000)

const HOUR = 3_600_000
const DAY = 24 * HOUR

// At most 3 messages a day; an unengaged contact (2 messages, no engagement) gets at most 3 in 4 days.
const options = {
  storefrontUrl: "http://storefront.test",
  secret: "test-secret-that-is-at-least-32-characters",
  scheduler: { pollIntervalMs: 1000, batchSize: 10, leaseMs: 5_000 },
  defaults: {
    frequencyCap: { max: 3, per: { amount: 1, unit: "days" } },
    channelCaps: { email: null, sms: null },
    overlapWindow: null,
    engagement: {
      lapsingAfter: { amount: 30, unit: "days" },
      unengagedAfter: { period: { amount: 90, unit: "days" }, messages: 2 },
      unengaged: { send: "stretched_cap", capFactor: 4 },
    },
  },
}

const email = (id: string) => ({ id, type: "send_email", template: { subject: id, html: `<p>${id}</p>` } })

moduleIntegrationTestRunner<FlowsModuleService>({
  moduleName: FLOWS_MODULE,
  resolve: path.join(__dirname, "../../src/modules/flows"),
  moduleOptions: options,
  cwd: path.join(__dirname, "../.."),
  dbName: "medusa-flows-stretched-cap-integration",
  testSuite: ({ service }) => {
    async function activeFlow(name: string, steps: unknown[]) {
      const flow = await service.createFlowWithDefinition({ name, definition: { trigger: { event: "customer.created" }, steps } })
      return await service.setFlowStatus(flow.id, "active")
    }

    it("counts a group's earlier messages toward the stretched cap of an unengaged contact", async () => {
      const start = new Date("2026-03-02T10:00:00Z")
      const news = await activeFlow("News", [email("n1"), email("n2")])
      const promo = await activeFlow("Promo", [email("p1")])
      const tips = await activeFlow("Tips", [email("t1")])
      const { contact_id } = await service.recordEvent({
        name: "customer.created",
        occurred_at: start,
        subject: { type: "customer", id: "cus_quiet" },
        identity: { customer_id: "cus_quiet", email: "quiet@example.com" },
        facts: { customer: { email: "quiet@example.com", first_name: "Quinn" } },
      })
      const byFlow = async (at: Date) => new Map((await service.claimDueRuns(at)).map((run) => [run.flow_id, run]))

      // Two messages and no engagement since: unengaged.
      const first = await byFlow(new Date(start.getTime() + 1000))
      for (const [stepId, hours] of [
        ["n1", 1],
        ["n2", 2],
      ] as const) {
        const content = { rendered: { channel: "email" as const, subject: stepId, html: `<p>${stepId}</p>` } }
        const sent = await service.deliverStepMessage(
          first.get(news.id)!,
          { id: stepId, channel: "email" },
          content,
          new Date(start.getTime() + hours * HOUR)
        )
        expect(sent).toBe("sent")
      }

      // Two days on, outside the daily cap's window but inside the stretched one (4 days): one more may go.
      const at = new Date(start.getTime() + 2 * DAY)
      expect((await service.engagementOf([contact_id!], at)).get(contact_id!)?.level).toBe("unengaged")
      const later = await byFlow(at)
      const claimed = await service.claimSends([
        renderedEmail(later.get(promo.id)!, "p1", at),
        renderedEmail(later.get(tips.id)!, "t1", at),
      ])
      expect(claimed.map((c) => typeof c === "object" && "status" in c && c.status)).toEqual(["sending", "skipped"])
      const [held] = await service.listMessages({ contact_id: contact_id!, status: "skipped" })
      expect(held.error).toBe("frequency cap for unengaged contacts reached")
    })
  },
})
