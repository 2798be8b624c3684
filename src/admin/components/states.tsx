import { Text } from "@medusajs/ui"

/** The loading, empty and error states every page and widget shows. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="px-6 py-4" role="status" aria-live="polite">
      <Text size="small" className="text-ui-fg-subtle">
        Loading {what}…
      </Text>
    </div>
  )
}

export function Empty({ children }: { children: React.ReactNode }) {
  return (
    <div className="px-6 py-8 text-center">
      <Text size="small" className="text-ui-fg-subtle">
        {children}
      </Text>
    </div>
  )
}

export function Failed({ error }: { error: unknown }) {
  return (
    <div className="px-6 py-4" role="alert">
      <Text size="small" className="text-ui-fg-error">
        {error instanceof Error ? error.message : String(error)}
      </Text>
    </div>
  )
}
