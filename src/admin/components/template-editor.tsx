import { Button, Input, Label, Select, Text, Textarea, toast, usePrompt } from "@medusajs/ui"
import { SegmentedControl } from "./segmented-control"
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { api, errorMessage, type Json } from "../lib/sdk"
import { BlockEditor, STARTER_BLOCKS } from "./block-editor"

type Props = {
  flowId: string
  step: Json
  onChange: (template: Json) => void
}

const EMAIL_FIELDS = [
  { key: "subject", label: "Subject", rows: 0 },
  { key: "preheader", label: "Preheader", rows: 0 },
  { key: "html", label: "HTML", rows: 10 },
  { key: "text", label: "Text part (optional: made from the HTML when empty)", rows: 4 },
]

/** The widths the preview shows: an email client on a computer, and a phone. */
const PREVIEW_WIDTHS = { desktop: 600, mobile: 375 } as const
type PreviewWidth = keyof typeof PREVIEW_WIDTHS

/** The value after it has stopped changing for a moment: the preview compiles on the server, not per keystroke. */
function useSettled<T>(value: T, ms = 400): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** Which data a preview renders with: a sample, or a recent cart, order or customer of the store. */
function useSubjects() {
  return useQuery({
    queryKey: ["flows", "preview-subjects"],
    queryFn: () => api.get<{ carts: Json[]; orders: Json[]; customers: Json[] }>("/admin/flows/preview-subjects"),
  })
}

/** A send step's template: its fields, a live preview and a test send. */
export function TemplateEditor({ flowId, step, onChange }: Props) {
  const sms = step.type === "send_sms"
  const template = step.template as Json
  const subjects = useSubjects()
  const [data, setData] = useState("sample:cart")
  const [to, setTo] = useState("")
  const [width, setWidth] = useState<PreviewWidth>("desktop")
  const prompt = usePrompt()
  const [type, id] = data.split(":")
  // With blocks, the HTML is what the server compiles them to: the editor does not send a stale copy.
  const { html: _compiled, ...withBlocks } = template
  const previewBody = {
    channel: sms ? "sms" : "email",
    template: template.blocks ? withBlocks : template,
    ...(type === "sample" ? { sample: id } : { subject: { type, id } }),
  }
  const settledBody = useSettled(JSON.stringify(previewBody))
  const preview = useQuery({
    queryKey: ["flows", "preview", settledBody],
    queryFn: () => api.post<{ preview: Json; compiled_html?: string }>("/admin/flows/preview", JSON.parse(settledBody)),
    placeholderData: keepPreviousData,
    retry: false,
  })
  const blocksMode = !sms && Array.isArray(template.blocks)
  const switchMode = async (mode: string) => {
    if (mode === "html" && blocksMode) {
      const confirmed = await prompt({
        title: "Edit as HTML?",
        description: "The email becomes the HTML its blocks compile to. You can edit every detail, but not as blocks any more.",
        confirmText: "Edit as HTML",
        cancelText: "Keep blocks",
      })
      if (confirmed) {
        const compiled = preview.data?.compiled_html ?? template.html
        const { blocks: _blocks, ...rest } = template
        onChange({ ...rest, html: compiled })
      }
    }
    if (mode === "blocks" && !blocksMode) {
      const confirmed = await prompt({
        title: "Build with blocks?",
        description: "The email starts again from a few blocks; its current HTML is replaced when you save.",
        confirmText: "Use blocks",
        cancelText: "Keep HTML",
      })
      if (confirmed) {
        const { html: _html, ...rest } = template
        onChange({ ...rest, blocks: STARTER_BLOCKS })
      }
    }
  }
  const sendTest = useMutation({
    // What the preview shows: the content as edited, with the data picked for the preview.
    mutationFn: () => {
      const { channel: _channel, ...content } = previewBody
      return api.post<{ message: Json }>(`/admin/flows/${flowId}/steps/${step.id}/send-test`, { to, ...content })
    },
    onSuccess: ({ message }) => toast.success(`Test sent to ${message.to} (${message.provider}: ${message.status})`),
    onError: (error) => toast.error(errorMessage(error)),
  })
  const fields = sms
    ? [{ key: "body", label: "Text message", rows: 4 }]
    : blocksMode
      ? EMAIL_FIELDS.filter((field) => field.key !== "html" && field.key !== "text")
      : EMAIL_FIELDS

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <div className="flex flex-col gap-3">
        {!sms && (
          <SegmentedControl
            label="Email content"
            value={blocksMode ? "blocks" : "html"}
            options={[
              ["blocks", "Blocks"],
              ["html", "HTML"],
            ]}
            onChange={switchMode}
          />
        )}
        {fields.map((field) => {
          const inputId = `${step.id}-${field.key}`
          const value = (template[field.key] as string | undefined) ?? ""
          const set = (next: string) => onChange({ ...template, [field.key]: next || undefined })
          return (
            <div key={field.key} className="flex flex-col gap-1">
              <Label htmlFor={inputId} size="small">
                {field.label}
              </Label>
              {field.rows ? (
                <Textarea
                  id={inputId}
                  rows={field.rows}
                  className="font-mono text-xs"
                  value={value}
                  onChange={(e) => set(e.target.value)}
                />
              ) : (
                <Input id={inputId} size="small" value={value} onChange={(e) => set(e.target.value)} />
              )}
            </div>
          )
        })}
        {blocksMode && <BlockEditor id={step.id} blocks={template.blocks} onChange={(blocks) => onChange({ ...template, blocks })} />}
        <div className="flex items-end gap-2">
          <div className="flex flex-1 flex-col gap-1">
            <Label htmlFor={`${step.id}-test-to`} size="small">
              {sms ? "Send a test to this number" : "Send a test to this address"}
            </Label>
            <Input
              id={`${step.id}-test-to`}
              size="small"
              value={to}
              placeholder={sms ? "+12025550143" : "you@example.com"}
              onChange={(e) => setTo(e.target.value)}
            />
          </div>
          <Button size="small" variant="secondary" disabled={!to || sendTest.isPending} onClick={() => sendTest.mutate()}>
            Send test
          </Button>
        </div>
        <Text size="xsmall" className="text-ui-fg-subtle">
          A test uses the saved template and sample data; it goes to the outbox like any message.
        </Text>
      </div>
      <div className="flex flex-col gap-2">
        <div className="flex flex-col gap-1">
          <Label htmlFor={`${step.id}-preview-data`} size="small">
            Preview with
          </Label>
          <Select value={data} onValueChange={setData}>
            <Select.Trigger id={`${step.id}-preview-data`} aria-label="Preview with">
              <Select.Value />
            </Select.Trigger>
            <Select.Content>
              <Select.Item value="sample:cart">Sample cart</Select.Item>
              <Select.Item value="sample:order">Sample order</Select.Item>
              <Select.Item value="sample:customer">Sample customer</Select.Item>
              {subjects.data?.carts.map((cart) => (
                <Select.Item key={cart.id} value={`cart:${cart.id}`}>
                  Cart of {cart.email}
                </Select.Item>
              ))}
              {subjects.data?.orders.map((order) => (
                <Select.Item key={order.id} value={`order:${order.id}`}>
                  Order #{order.display_id} ({order.email})
                </Select.Item>
              ))}
              {subjects.data?.customers.map((customer) => (
                <Select.Item key={customer.id} value={`customer:${customer.id}`}>
                  Customer {customer.email}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
        </div>
        {preview.isLoading && (
          <Text size="small" className="text-ui-fg-subtle">
            Rendering…
          </Text>
        )}
        {preview.error && (
          <Text size="small" className="text-ui-fg-error" role="alert">
            {errorMessage(preview.error)}
          </Text>
        )}
        {preview.data && sms && (
          <div className="flex flex-col gap-1" data-testid="sms-preview">
            <div className="bg-ui-bg-subtle whitespace-pre-wrap rounded-lg p-3 text-sm">{preview.data.preview.body}</div>
            <Text size="xsmall" className="text-ui-fg-subtle">
              {preview.data.preview.characters} characters, {preview.data.preview.segments} segment(s), {preview.data.preview.encoding}
            </Text>
          </div>
        )}
        {preview.data && !sms && (
          <div className="flex flex-col gap-2">
            <div className="flex items-center justify-between gap-2">
              <Text size="small" weight="plus" data-testid="email-preview-subject">
                {preview.data.preview.subject}
              </Text>
              <SegmentedControl
                label="Preview width"
                value={width}
                options={[
                  ["desktop", `Desktop (${PREVIEW_WIDTHS.desktop}px)`],
                  ["mobile", `Mobile (${PREVIEW_WIDTHS.mobile}px)`],
                ]}
                onChange={(next) => setWidth(next as PreviewWidth)}
              />
            </div>
            <div className="bg-ui-bg-subtle overflow-x-auto rounded-lg border p-2">
              <iframe
                title={`Preview of ${step.id}`}
                sandbox=""
                className="mx-auto block rounded border bg-white"
                data-preview-width={PREVIEW_WIDTHS[width]}
                style={{ width: PREVIEW_WIDTHS[width], maxWidth: "none", height: 640 }}
                srcDoc={preview.data.preview.html}
              />
            </div>
          </div>
        )}
      </div>
    </div>
  )
}
