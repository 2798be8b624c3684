import { Button, toast, usePrompt } from "@medusajs/ui"
import { useMutation, useQueryClient } from "@tanstack/react-query"
import { api, errorMessage, type Json } from "../lib/sdk"

type Person = { customer_id: string; email?: string | null }

/** The person's keys as the people routes take them: the customer's id, and their email when they have one. */
const keysOf = ({ customer_id, email }: Person) => ({ customer_id, ...(email ? { email } : {}) })

/** Hands a JSON document to the browser as a file download. */
function download(data: Json, filename: string) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }))
  const link = Object.assign(document.createElement("a"), { href: url, download: filename })
  link.click()
  // Revoked once the browser has taken the file.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** "Export marketing data" (a JSON download) and "Erase marketing data" (after a confirmation), for one customer. */
export function PersonDataActions({ person }: { person: Person }) {
  const prompt = usePrompt()
  const queryClient = useQueryClient()
  const exportData = useMutation({
    mutationFn: () => api.get("/admin/flows/people/export", keysOf(person)),
    onSuccess: (data) => download(data, `marketing-data-${person.customer_id}.json`),
    onError: (error) => toast.error(errorMessage(error)),
  })
  const erase = useMutation({
    mutationFn: () => api.post<{ erasure: Json }>("/admin/flows/people/erase", keysOf(person)),
    onSuccess: ({ erasure }) => {
      toast.success(`Marketing data erased: ${erasure.counts.contacts_deleted} contact(s), ${erasure.counts.runs_ended} run(s) ended`)
      return queryClient.invalidateQueries({ queryKey: ["flows", "customer", person.customer_id] })
    },
    onError: (error) => toast.error(errorMessage(error)),
  })
  const confirmErase = async () => {
    const confirmed = await prompt({
      title: "Erase marketing data?",
      description:
        "This deletes the customer's flow contacts, consent evidence, timeline and message contents, ends their runs, and keeps their addresses and numbers from being messaged again. It cannot be undone. Their orders and account are not touched.",
      confirmText: "Erase",
      cancelText: "Cancel",
      variant: "danger",
    })
    if (confirmed) {
      erase.mutate()
    }
  }
  return (
    <div className="flex gap-2 px-6 py-4" data-testid="flows-person-data">
      <Button size="small" variant="secondary" isLoading={exportData.isPending} onClick={() => exportData.mutate()}>
        Export marketing data
      </Button>
      <Button size="small" variant="danger" isLoading={erase.isPending} onClick={confirmErase}>
        Erase marketing data
      </Button>
    </div>
  )
}
