import { Badge, Button, Container, Heading, Input, Label, Tabs, Text, toast } from "@medusajs/ui"
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query"
import { useEffect, useState } from "react"
import { Link, useParams } from "react-router-dom"
import { FlowCanvas } from "../../../components/flow-canvas"
import { FlowRules } from "../../../components/flow-rules"
import { RunList } from "../../../components/run-list"
import { StepList } from "../../../components/step-list"
import { Failed, Loading } from "../../../components/states"
import { STATUS_COLOR, triggerLabel } from "../../../lib/format"
import { api, errorMessage, type Json } from "../../../lib/sdk"

/** Every step id in a definition, branches included, to name new steps uniquely. */
function stepIds(steps: Json[]): string[] {
  return steps.flatMap((s) => [
    s.id,
    ...stepIds(s.then ?? []),
    ...stepIds(s.else ?? []),
    ...(s.variants ?? []).flatMap((v: Json) => stepIds(v.steps)),
  ])
}

const VIEW_KEY = "medusa-plugin-flows:steps-view"

const FlowEditorPage = () => {
  const { id } = useParams()
  const queryClient = useQueryClient()
  const flow = useQuery({ queryKey: ["flows", "detail", id], queryFn: () => api.get<{ flow: Json }>(`/admin/flows/${id}`) })
  const [name, setName] = useState("")
  const [priority, setPriority] = useState("")
  const [definition, setDefinition] = useState<Json | null>(null)
  const [saveError, setSaveError] = useState<string | null>(null)
  // The canvas, or the list of steps as a form; the owner's choice is kept in this browser.
  const [view, setView] = useState<"canvas" | "list">(() => (localStorage.getItem(VIEW_KEY) === "list" ? "list" : "canvas"))

  useEffect(() => {
    if (flow.data) {
      setName(flow.data.flow.name)
      setPriority(String(flow.data.flow.priority ?? ""))
      setDefinition(flow.data.flow.definition)
    }
  }, [flow.data])

  const save = useMutation({
    mutationFn: () =>
      api.post<{ flow: Json; new_version: boolean; runs_on_previous_versions: number }>(`/admin/flows/${id}`, {
        name,
        definition,
        // Sent as typed: the API refuses what is not a whole number from 0 to 100, with a message.
        ...(priority.trim() !== "" && { priority: Number(priority) }),
      }),
    onSuccess: (result) => {
      setSaveError(null)
      void queryClient.invalidateQueries({ queryKey: ["flows"] })
      toast.success(
        result.new_version
          ? `Saved as version ${result.flow.version}. ${result.runs_on_previous_versions} run(s) in progress finish on the version they started with.`
          : "Saved."
      )
    },
    onError: (error) => setSaveError(errorMessage(error)),
  })

  if (flow.isLoading || (flow.data && !definition))
    return (
      <Container>
        <Loading what="the flow" />
      </Container>
    )
  if (flow.error)
    return (
      <Container>
        <Failed error={flow.error} />
      </Container>
    )
  const current = flow.data!.flow
  const live = current.status === "active"
  const ids = stepIds(definition!.steps)
  const ctx = {
    flowId: current.id,
    // Errors name the step by id (templates) or by its path (steps.2.duration); show them on that step.
    errorFor: (stepId: string) => (saveError && saveError.includes(`steps.${stepId}.`) ? saveError : null),
    newId: (type: string) => {
      let n = 1
      while (ids.includes(`${type.replace("_", "-")}-${n}`)) n++
      return `${type.replace("_", "-")}-${n}`
    },
  }

  return (
    <div className="flex flex-col gap-3">
      <Container className="flex flex-col gap-4">
        <div className="flex items-start justify-between">
          <div className="flex flex-col gap-1">
            <Link to="/flows" className="text-ui-fg-subtle text-sm">
              ← Flows
            </Link>
            <Heading level="h1">{current.name}</Heading>
            <div className="flex items-center gap-2">
              <Badge size="2xsmall" color={STATUS_COLOR[current.status]}>
                {current.status}
              </Badge>
              <Text size="small" className="text-ui-fg-subtle">
                Version {current.version} · starts on {triggerLabel(definition!.trigger.event)}
              </Text>
            </div>
          </div>
          <Button size="small" onClick={() => save.mutate()} isLoading={save.isPending}>
            Save
          </Button>
        </div>
        {live && (
          <Text size="small" className="text-ui-fg-subtle">
            This flow is live: saving changes creates version {current.version + 1}. New runs use it; runs in progress finish on the version
            they started with.
          </Text>
        )}
        <div className="flex max-w-md flex-col gap-1">
          <Label htmlFor="flow-name" size="small">
            Name
          </Label>
          <Input id="flow-name" size="small" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="flex max-w-md flex-col gap-1">
          <Label htmlFor="flow-priority" size="small">
            Priority (0–100)
          </Label>
          <Input
            id="flow-priority"
            size="small"
            type="number"
            min={0}
            max={100}
            step={1}
            value={priority}
            onChange={(e) => setPriority(e.target.value)}
          />
          <Text size="small" className="text-ui-fg-subtle">
            When this flow’s message and another flow’s meet for one person (a cap, or within the overlap window), the higher priority goes
            first; the other waits or is skipped, as its step says.
          </Text>
        </div>
        {saveError && (
          <Text size="small" className="text-ui-fg-error" role="alert" data-testid="save-error">
            {saveError}
          </Text>
        )}
      </Container>
      <Container>
        <FlowRules definition={definition!} onChange={setDefinition} />
        {saveError && /\b(trigger|exit)\b/.test(saveError) && (
          <Text size="small" className="text-ui-fg-error mt-2" role="alert">
            {saveError}
          </Text>
        )}
      </Container>
      <Container className="flex flex-col gap-3">
        <div className="flex items-center justify-between">
          <Heading level="h2">Steps</Heading>
          <Tabs
            value={view}
            onValueChange={(next) => {
              localStorage.setItem(VIEW_KEY, next)
              setView(next as "canvas" | "list")
            }}
          >
            <Tabs.List>
              <Tabs.Trigger value="canvas">Canvas</Tabs.Trigger>
              <Tabs.Trigger value="list">List</Tabs.Trigger>
            </Tabs.List>
          </Tabs>
        </div>
        {view === "canvas" ? (
          <FlowCanvas definition={definition!} onChange={setDefinition} ctx={ctx} saveError={saveError} />
        ) : (
          <StepList steps={definition!.steps} ctx={ctx} onChange={(steps) => setDefinition({ ...definition, steps })} />
        )}
      </Container>
      <Container>
        <RunList flowId={current.id} />
      </Container>
    </div>
  )
}

export default FlowEditorPage
