import { Button, Input, Label, Select, Text, Textarea, toast } from "@medusajs/ui"
import { useMutation, useQuery } from "@tanstack/react-query"
import { useState } from "react"
import { api, errorMessage, type Json } from "../lib/sdk"

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
  const [type, id] = data.split(":")
  const previewBody = {
    channel: sms ? "sms" : "email",
    template,
    ...(type === "sample" ? { sample: id } : { subject: { type, id } }),
  }
  const preview = useQuery({
    queryKey: ["flows", "preview", JSON.stringify(previewBody)],
    queryFn: () => api.post<{ preview: Json }>("/admin/flows/preview", previewBody),
    retry: false,
  })
  const sendTest = useMutation({
    // What the preview shows: the content as edited, with the data picked for the preview.
    mutationFn: () => {
      const { channel: _channel, ...content } = previewBody
      return api.post<{ message: Json }>(`/admin/flows/${flowId}/steps/${step.id}/send-test`, { to, ...content })
    },
    onSuccess: ({ message }) => toast.success(`Test sent to ${message.to} (${message.provider}: ${message.status})`),
    onError: (error) => toast.error(errorMessage(error)),
  })
  const fields = sms ? [{ key: "body", label: "Text message", rows: 4 }] : EMAIL_FIELDS

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <div className="flex flex-col gap-3">
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
          <div className="flex flex-col gap-1">
            <Text size="small" weight="plus" data-testid="email-preview-subject">
              {preview.data.preview.subject}
            </Text>
            <iframe
              title={`Preview of ${step.id}`}
              sandbox=""
              className="w-full rounded-lg border"
              style={{ height: 480 }}
              srcDoc={preview.data.preview.html}
            />
          </div>
        )}
      </div>
    </div>
  )
}
