import { clx } from "@medusajs/ui"

/** A small group of toggle buttons, one pressed (the admin's look for "Blocks | HTML", "Desktop | Mobile"). */
export function SegmentedControl({
  label,
  value,
  options,
  onChange,
}: {
  label: string
  value: string
  options: [string, string][]
  onChange: (value: string) => void
}) {
  return (
    <div role="group" aria-label={label} className="bg-ui-bg-subtle inline-flex w-fit gap-0.5 rounded-md border p-0.5">
      {options.map(([option, text]) => (
        <button
          key={option}
          type="button"
          aria-pressed={value === option}
          onClick={() => onChange(option)}
          className={clx(
            "txt-compact-small-plus rounded px-2.5 py-1 transition-colors",
            value === option ? "bg-ui-bg-base text-ui-fg-base shadow-elevation-card-rest" : "text-ui-fg-subtle hover:text-ui-fg-base"
          )}
        >
          {text}
        </button>
      ))}
    </div>
  )
}
