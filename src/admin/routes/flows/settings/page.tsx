import { Alert, Badge, Button, Container, Copy, Heading, Input, Label, Select, Text, Textarea, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { Link } from "react-router-dom"
import { Failed, Loading } from "../../../components/states"
import { api, errorMessage, type Json } from "../../../lib/sdk"
import { BRAND_FONTS, type ChannelName } from "../../../../engine/constants"

type Check = { channel: string; provider: string; ok: boolean; detail: string }

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    // An inline grid: the admin's Tailwind build has no arbitrary column sizes for extensions.
    <div className="grid items-center gap-4 px-6 py-2" style={{ gridTemplateColumns: "220px 1fr" }}>
      <Text size="small" className="text-ui-fg-subtle">
        {label}
      </Text>
      <div className="txt-small flex items-center gap-2">{children}</div>
    </div>
  )
}

function WebhookUrl({ label, url }: { label: string; url: string }) {
  return (
    <Row label={label}>
      <code className="font-mono text-xs">{url}</code>
      <Copy content={url} aria-label={`Copy the ${label} URL`} />
    </Row>
  )
}

function Provider({ channel, title, info }: { channel: ChannelName; title: string; info: Json }) {
  const check = useMutation({
    mutationFn: () => api.post<{ check: Check }>("/admin/flows/settings/check-credentials", { channel }),
  })
  const sandbox = info.provider === "sandbox"
  return (
    <div className="py-2" data-channel={channel}>
      <div className="flex items-center justify-between px-6 py-2">
        <div className="flex items-center gap-2">
          <Heading level="h2">{title}</Heading>
          <Badge size="2xsmall" color={sandbox ? "orange" : "green"}>
            {sandbox ? "sandbox" : `${info.provider} configured`}
          </Badge>
        </div>
        <Button size="small" variant="secondary" isLoading={check.isPending} onClick={() => check.mutate()}>
          Test credentials
        </Button>
      </div>
      {sandbox && <Row label="Delivery">Kept in the outbox, not sent. Set the provider’s options to send for real.</Row>}
      {info.from && <Row label="From">{typeof info.from === "string" ? info.from : `${info.from.name ?? ""} <${info.from.email}>`}</Row>}
      {info.reply_to && <Row label="Reply-to">{info.reply_to}</Row>}
      {info.data_residency && <Row label="Data residency">{info.data_residency}</Row>}
      {"webhook_signature_checked" in info && (
        <Row label="Event signatures">{info.webhook_signature_checked ? "checked" : "not checked: set webhookVerificationKey"}</Row>
      )}
      {info.account && <Row label="Account">{info.account}</Row>}
      {info.messaging_service_sid && <Row label="Messaging Service">{info.messaging_service_sid}</Row>}
      {info.max_segments && <Row label="Longest text">{info.max_segments} segments</Row>}
      {check.data && (
        <div className="px-6 py-2" role="status">
          <Text size="small" className={check.data.check.ok ? "text-ui-fg-interactive" : "text-ui-fg-error"}>
            {check.data.check.ok ? "✓ " : "✗ "}
            {check.data.check.detail}
          </Text>
        </div>
      )}
      {check.error && <Failed error={new Error(errorMessage(check.error))} />}
    </div>
  )
}

const duration = (d: { amount: number; unit: string }) => `${d.amount} ${d.unit}`

/** Win-back needs each customer's last order; orders from before the plugin was installed are read on demand. */
function OrderHistory() {
  const importOrders = useMutation({
    mutationFn: () => api.post<{ orders: number; people: number }>("/admin/flows/win-back/import-orders", {}),
  })
  return (
    <div className="py-2" data-section="order-history">
      <div className="flex items-center justify-between px-6 py-2">
        <Heading level="h2">Order history</Heading>
        <Button size="small" variant="secondary" isLoading={importOrders.isPending} onClick={() => importOrders.mutate()}>
          Import past orders
        </Button>
      </div>
      <Row label="Win-back">
        Knows when each customer last ordered from the orders placed since the plugin was installed; import the older ones once so lapsed
        customers are found now. Running it again changes nothing.
      </Row>
      {importOrders.data && (
        <div className="px-6 py-2" role="status">
          <Text size="small">
            Read {importOrders.data.orders} order(s): the last order of {importOrders.data.people} customer(s) is known.
          </Text>
        </div>
      )}
      {importOrders.error && <Failed error={new Error(errorMessage(importOrders.error))} />}
    </div>
  )
}

const COLOURS = [
  ["accent_color", "Accent (buttons, links, code)"],
  ["background_color", "Background"],
  ["text_color", "Text"],
] as const

/** Logo, colours, font and postal address: set once here, used by every block of every email. */
function Brand({ effective, warnings }: { effective: Json; warnings: Json[] }) {
  const queryClient = useQueryClient()
  const [form, setForm] = useState<Json>(effective)
  useEffect(() => setForm(effective), [effective])
  const save = useMutation({
    mutationFn: () =>
      api.post<{ brand: Json }>("/admin/flows/settings/brand", {
        logo_url: form.logo_url || null,
        accent_color: form.accent_color,
        background_color: form.background_color,
        text_color: form.text_color,
        font: form.font,
        address: form.address?.trim() || null,
      }),
    onSuccess: () => {
      toast.success("Brand saved: every email uses it from the next send")
      return queryClient.invalidateQueries({ queryKey: ["flows", "settings"] })
    },
    onError: (error) => toast.error(errorMessage(error)),
  })
  const set = (key: string) => (value: string) => setForm({ ...form, [key]: value })
  return (
    <div className="py-2" data-section="brand">
      <div className="flex items-center justify-between px-6 py-2">
        <Heading level="h2">Brand</Heading>
        <Button size="small" variant="secondary" isLoading={save.isPending} onClick={() => save.mutate()}>
          Save brand
        </Button>
      </div>
      {warnings.map((warning) => (
        <div key={warning.code} className="px-6 py-2">
          <Alert variant="warning" data-warning={warning.code}>
            {warning.message}
          </Alert>
        </div>
      ))}
      <Row label="Postal address">
        <div className="flex w-full flex-col gap-1">
          <Label htmlFor="brand-address" className="sr-only">
            Postal address
          </Label>
          <Textarea
            id="brand-address"
            rows={3}
            value={form.address ?? ""}
            placeholder={"Your Store Ltd\n1 Main Street\nSpringfield, IL 62701"}
            onChange={(e) => set("address")(e.target.value)}
          />
          <Text size="xsmall" className="text-ui-fg-subtle">
            In every email’s footer and as {"{{ store.address }}"}. Commercial email must carry one (CAN-SPAM).
          </Text>
        </div>
      </Row>
      <Row label="Logo URL">
        <Input
          id="brand-logo"
          aria-label="Logo URL"
          size="small"
          value={form.logo_url ?? ""}
          placeholder="https://cdn.example.com/logo.png"
          onChange={(e) => set("logo_url")(e.target.value)}
        />
        {form.logo_url && <img src={form.logo_url} alt="" className="h-8 max-w-[120px] object-contain" />}
      </Row>
      {COLOURS.map(([key, label]) => (
        <Row key={key} label={label}>
          <input
            type="color"
            aria-label={`${label} picker`}
            value={form[key]}
            onChange={(e) => set(key)(e.target.value)}
            className="h-8 w-10 cursor-pointer rounded border"
          />
          <Input
            id={`brand-${key}`}
            aria-label={label}
            size="small"
            className="w-32 font-mono"
            value={form[key] ?? ""}
            onChange={(e) => set(key)(e.target.value)}
          />
        </Row>
      ))}
      <Row label="Font">
        <Select value={form.font} onValueChange={set("font")}>
          <Select.Trigger id="brand-font" aria-label="Font" className="w-64">
            <Select.Value />
          </Select.Trigger>
          <Select.Content>
            {Object.entries(BRAND_FONTS).map(([key, stack]) => (
              <Select.Item key={key} value={key}>
                <span style={{ fontFamily: stack }}>{stack.split(",")[0]}</span>
              </Select.Item>
            ))}
          </Select.Content>
        </Select>
      </Row>
    </div>
  )
}

const SettingsPage = () => {
  const settings = useQuery({
    queryKey: ["flows", "settings"],
    queryFn: () => api.get<{ settings: Json; brand: { effective: Json }; warnings: Json[] }>("/admin/flows/settings"),
  })
  const s = settings.data?.settings
  return (
    <Container className="divide-y p-0">
      <div className="px-6 py-4">
        <Link to="/flows" className="text-ui-fg-subtle text-sm">
          ← Flows
        </Link>
        <Heading level="h1">Flow settings</Heading>
        <Text size="small" className="text-ui-fg-subtle">
          Set in medusa-config under the plugin’s options; keys and tokens are never shown. The brand can be changed here.
        </Text>
      </div>
      {settings.isLoading && <Loading what="settings" />}
      {settings.error && <Failed error={settings.error} />}
      {s && (
        <>
          <Provider channel="email" title="Email" info={s.email} />
          <Brand effective={settings.data!.brand.effective} warnings={settings.data!.warnings} />
          <Provider channel="sms" title="SMS" info={s.sms} />
          <div className="py-2">
            <div className="px-6 py-2">
              <Heading level="h2">Webhook URLs</Heading>
            </div>
            <WebhookUrl label="SendGrid Event Webhook" url={s.webhooks.sendgrid_events} />
            <WebhookUrl label="Twilio status callback" url={s.webhooks.twilio_status} />
            <WebhookUrl label="Twilio incoming messages" url={s.webhooks.twilio_inbound} />
          </div>
          <OrderHistory />
          <div className="py-2">
            <div className="px-6 py-2">
              <Heading level="h2">Defaults</Heading>
            </div>
            <Row label="Quiet hours (texts)">
              {s.defaults.quietHours.start}–{s.defaults.quietHours.end}, recipient’s time (default zone {s.defaults.timezone})
            </Row>
            <Row label="Frequency cap">
              {s.defaults.frequencyCap.max} messages per {duration(s.defaults.frequencyCap.per)}, across flows
            </Row>
            {(["email", "sms"] as const).map((channel) => {
              const cap = s.defaults.channelCaps?.[channel]
              return (
                <Row key={channel} label={`${channel === "email" ? "Email" : "SMS"} cap`}>
                  {cap ? `${cap.max} per ${duration(cap.per)}, across marketing flows (exempt steps not counted)` : "Off"}
                </Row>
              )
            })}
            <Row label="Flow overlap window">
              {s.defaults.overlapWindow ? `${duration(s.defaults.overlapWindow)}: the higher-priority flow’s message goes first` : "Off"}
            </Row>
            <Row label="Attribution window">{duration(s.defaults.attributionWindow)}</Row>
            <Row label="Email consent">
              {s.defaults.emailConsent === "opt_in" ? "Opt-in: only people who said yes" : "Opt-out: everyone who has not unsubscribed"}
            </Row>
            <Row label="SMS consent">Opt-in only, per number, confirmed by a YES text</Row>
            <Row label="Client IP (sign-up limits)">
              {s.trusted_proxy_hops
                ? `X-Forwarded-For, ${s.trusted_proxy_hops} trusted proxy hop(s)`
                : "Connection address (X-Forwarded-For ignored)"}
            </Row>
            {s.time_scale > 1 && <Row label="Time compression">{s.time_scale}× (demo mode)</Row>}
          </div>
        </>
      )}
    </Container>
  )
}

export default SettingsPage
