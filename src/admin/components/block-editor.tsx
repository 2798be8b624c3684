import { ArrowDownMini, ArrowUpMini, Trash } from "@medusajs/icons"
import { Checkbox, IconButton, Input, Label, Select, Text, Textarea } from "@medusajs/ui"
import { useRef } from "react"
import { EMAIL_BLOCK_TYPES, TEMPLATE_VARIABLE_GROUPS, type EmailBlockType } from "../../engine/constants"
import type { Json } from "../lib/sdk"

const BLOCK_LABELS: Record<EmailBlockType, string> = {
  header: "Header with logo",
  text: "Text",
  image: "Image",
  button: "Button",
  items: "Products in the cart or order",
  recommendations: "Recommended products",
  discount: "Discount code",
  divider: "Divider",
  footer: "Footer: address and unsubscribe",
}

/** A new block of each type, filled so it shows something in the preview at once. */
const NEW_BLOCK: Record<EmailBlockType, Json> = {
  header: { type: "header" },
  text: { type: "text", text: "Hi {{ customer.first_name }}," },
  image: { type: "image", src: "https://", alt: "" },
  button: { type: "button", label: "Shop now", href: "{{ store.url }}" },
  items: { type: "items", source: "cart" },
  recommendations: { type: "recommendations" },
  discount: { type: "discount" },
  divider: { type: "divider" },
  footer: { type: "footer" },
}

/** What an email that switches from HTML to blocks starts with. */
export const STARTER_BLOCKS: Json[] = [
  { type: "header" },
  { type: "text", text: "Hi {{ customer.first_name }}," },
  { type: "button", label: "Visit the store", href: "{{ store.url }}" },
  { type: "footer" },
]

type TextField = { key: string; label: string; kind: "text" | "textarea" | "link"; liquid: boolean; placeholder?: string }
type Field =
  | TextField
  | { key: string; label: string; kind: "select"; options: [string, string][] }
  | { key: string; label: string; kind: "number"; placeholder?: string }
  | { key: string; label: string; kind: "checkbox"; defaultValue: boolean }

const ALIGN: [string, string][] = [
  ["left", "Left"],
  ["center", "Centre"],
]

const FIELDS: Record<EmailBlockType, Field[]> = {
  header: [],
  text: [
    { key: "text", label: "Text", kind: "textarea", liquid: true },
    {
      key: "style",
      label: "Style",
      kind: "select",
      options: [
        ["paragraph", "Paragraph"],
        ["heading", "Heading"],
        ["small", "Small print"],
      ],
    },
    { key: "align", label: "Alignment", kind: "select", options: ALIGN },
  ],
  image: [
    { key: "src", label: "Image URL", kind: "link", liquid: true, placeholder: "https://…" },
    { key: "alt", label: "Description (alt text)", kind: "text", liquid: true },
    { key: "href", label: "Link (optional)", kind: "link", liquid: true },
    { key: "width", label: "Width in px (optional, at most 600)", kind: "number" },
  ],
  button: [
    { key: "label", label: "Label", kind: "text", liquid: true },
    { key: "href", label: "Link", kind: "link", liquid: true },
    { key: "align", label: "Alignment", kind: "select", options: [...ALIGN].reverse() },
  ],
  items: [
    {
      key: "source",
      label: "Products of",
      kind: "select",
      options: [
        ["cart", "The cart"],
        ["order", "The order"],
      ],
    },
    { key: "show_total", label: "Show the total", kind: "checkbox", defaultValue: true },
    { key: "review_links", label: "“Write a review” links instead of prices", kind: "checkbox", defaultValue: false },
  ],
  recommendations: [{ key: "title", label: "Title", kind: "text", liquid: true, placeholder: "You may also like" }],
  discount: [
    {
      key: "text",
      label: "Text above the code",
      kind: "textarea",
      liquid: true,
      placeholder: "Use this code at checkout before {{ discount.expires_at }}.",
    },
  ],
  divider: [],
  footer: [{ key: "text", label: "Line above the address (optional)", kind: "textarea", liquid: true }],
}

const HINTS: Partial<Record<EmailBlockType, string>> = {
  header: "Shows the logo from Flows › Settings, or the store’s name.",
  recommendations: "Up to three related products, in order flows; hidden when there are none.",
  discount: "Shown when the step hands out a code (discount on).",
  footer: "Every email built from blocks ends with the postal address and the unsubscribe link.",
}

/** Inserts `{{ variable }}` into a text field at the cursor. */
function VariablePicker({ id, field, onInsert }: { id: string; field: string; onInsert: (variable: string) => void }) {
  return (
    <Select value="" onValueChange={(name) => onInsert(`{{ ${name} }}`)}>
      {/* Named after its field: a button block has two pickers, for its label and its link. */}
      <Select.Trigger id={id} aria-label={`Insert a variable into ${field}`} className="w-40 shrink-0">
        <Select.Value placeholder="Insert variable" />
      </Select.Trigger>
      <Select.Content>
        {TEMPLATE_VARIABLE_GROUPS.map((group) => (
          <Select.Group key={group.label}>
            <Select.Label>{group.label}</Select.Label>
            {group.names.map((name) => (
              <Select.Item key={name} value={name}>
                {name}
              </Select.Item>
            ))}
          </Select.Group>
        ))}
      </Select.Content>
    </Select>
  )
}

function LiquidField({ id, field, value, set }: { id: string; field: TextField; value: string; set: (v: string) => void }) {
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null)
  const insert = (variable: string) => {
    const element = ref.current
    const at = element?.selectionStart ?? value.length
    const end = element?.selectionEnd ?? at
    set(value.slice(0, at) + variable + value.slice(end))
    requestAnimationFrame(() => {
      element?.focus()
      element?.setSelectionRange(at + variable.length, at + variable.length)
    })
  }
  const common = { id, ref, value, placeholder: field.placeholder, onChange: (e: { target: { value: string } }) => set(e.target.value) }
  return (
    <div className="flex items-start gap-2">
      {field.kind === "textarea" ? (
        <Textarea rows={3} className="flex-1" {...common} />
      ) : (
        <Input size="small" className="flex-1" {...common} />
      )}
      <VariablePicker id={`${id}-variable`} field={field.label} onInsert={insert} />
    </div>
  )
}

function BlockFields({ id, block, onChange }: { id: string; block: Json; onChange: (block: Json) => void }) {
  const type = block.type as EmailBlockType
  return (
    <div className="flex flex-col gap-2">
      {HINTS[type] && (
        <Text size="xsmall" className="text-ui-fg-subtle">
          {HINTS[type]}
        </Text>
      )}
      {FIELDS[type].map((field) => {
        const fieldId = `${id}-${field.key}`
        const set = (next: unknown) => {
          const updated = { ...block, [field.key]: next }
          if (next === "" || next === undefined) {
            delete updated[field.key]
          }
          onChange(updated)
        }
        if (field.kind === "checkbox") {
          return (
            <div key={field.key} className="flex items-center gap-2">
              <Checkbox
                id={fieldId}
                checked={block[field.key] ?? field.defaultValue}
                onCheckedChange={(checked) => set(checked === true)}
              />
              <Label htmlFor={fieldId} size="small">
                {field.label}
              </Label>
            </div>
          )
        }
        return (
          <div key={field.key} className="flex flex-col gap-1">
            <Label htmlFor={fieldId} size="small">
              {field.label}
            </Label>
            {field.kind === "select" ? (
              <Select value={block[field.key] ?? field.options[0][0]} onValueChange={set}>
                <Select.Trigger id={fieldId}>
                  <Select.Value />
                </Select.Trigger>
                <Select.Content>
                  {field.options.map(([value, label]) => (
                    <Select.Item key={value} value={value}>
                      {label}
                    </Select.Item>
                  ))}
                </Select.Content>
              </Select>
            ) : field.kind === "number" ? (
              <Input
                id={fieldId}
                size="small"
                type="number"
                min={40}
                max={600}
                value={block[field.key] ?? ""}
                onChange={(e) => set(e.target.value === "" ? undefined : Number(e.target.value))}
              />
            ) : (
              <LiquidField id={fieldId} field={field} value={block[field.key] ?? ""} set={set} />
            )}
          </div>
        )
      })}
    </div>
  )
}

/** The blocks of an email, in order: each can be edited, moved and removed; new ones are added at the end. */
export function BlockEditor({ id, blocks, onChange }: { id: string; blocks: Json[]; onChange: (blocks: Json[]) => void }) {
  const move = (index: number, by: number) => {
    const next = [...blocks]
    const [block] = next.splice(index, 1)
    next.splice(index + by, 0, block)
    onChange(next)
  }
  return (
    <div className="flex flex-col gap-2" data-testid="block-editor">
      <ol className="flex flex-col gap-2">
        {blocks.map((block, index) => (
          <li
            key={index}
            className="rounded-lg border p-3"
            data-block-type={block.type}
            aria-label={`Block ${index + 1}: ${BLOCK_LABELS[block.type as EmailBlockType]}`}
          >
            <div className="mb-2 flex items-center justify-between">
              <Text size="small" weight="plus">
                {index + 1}. {BLOCK_LABELS[block.type as EmailBlockType] ?? block.type}
              </Text>
              <div className="flex gap-1">
                <IconButton size="small" variant="transparent" aria-label="Move up" disabled={index === 0} onClick={() => move(index, -1)}>
                  <ArrowUpMini />
                </IconButton>
                <IconButton
                  size="small"
                  variant="transparent"
                  aria-label="Move down"
                  disabled={index === blocks.length - 1}
                  onClick={() => move(index, 1)}
                >
                  <ArrowDownMini />
                </IconButton>
                <IconButton
                  size="small"
                  variant="transparent"
                  aria-label="Remove block"
                  onClick={() => onChange(blocks.filter((_, i) => i !== index))}
                >
                  <Trash />
                </IconButton>
              </div>
            </div>
            <BlockFields
              id={`${id}-block-${index}`}
              block={block}
              onChange={(updated) => onChange(blocks.map((b, i) => (i === index ? updated : b)))}
            />
          </li>
        ))}
      </ol>
      <Select value="" onValueChange={(type) => onChange([...blocks, { ...NEW_BLOCK[type as EmailBlockType] }])}>
        <Select.Trigger id={`${id}-add-block`} aria-label="Add a block">
          <Select.Value placeholder="Add a block…" />
        </Select.Trigger>
        <Select.Content>
          {EMAIL_BLOCK_TYPES.map((type) => (
            <Select.Item key={type} value={type}>
              {BLOCK_LABELS[type]}
            </Select.Item>
          ))}
        </Select.Content>
      </Select>
    </div>
  )
}
