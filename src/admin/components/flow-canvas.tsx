import "@xyflow/react/dist/style.css"
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  getSmoothStepPath,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react"
import { Badge, Button, Drawer, DropdownMenu, Input, Label, Select, Text, toast } from "@medusajs/ui"
import { useQuery } from "@tanstack/react-query"
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react"
import {
  connect,
  definitionIssues,
  definitionToGraph,
  END_ID,
  END_SIZE,
  insertStep,
  issuesByNode,
  issuesInMessage,
  layoutGraph,
  locate,
  NODE_HEIGHT,
  NODE_WIDTH,
  removeStep,
  replaceStep,
  TRIGGER_ID,
  type Edit,
  type GraphEdge,
  type GraphNode,
  type Positions,
  type Slot,
} from "../lib/flow-graph"
import { triggerLabel } from "../lib/format"
import { api, type Json } from "../lib/sdk"
import { ConditionsEditor, NEW_STEPS, StepBody, type Ctx } from "./step-list"

type StepCounts = { entering: number; steps: Record<string, { waiting: number; sent: number; converted: number }> }

/** What every node and edge needs from the canvas, without passing it through xyflow's data. */
type CanvasApi = {
  definition: Json
  counts: StepCounts | undefined
  issues: Record<string, string[]>
  open: (id: string) => void
  addAt: (slot: Slot, type: string) => void
}
const CanvasContext = createContext<CanvasApi | null>(null)
const useCanvas = () => useContext(CanvasContext)!

const typeLabel = (type: string) => type.replace("_", " ")

function plural(n: number, one: string, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`
}

function describeCondition(group: Json | undefined): string {
  if (!group) return ""
  const mode = "any" in group ? "any" : "all"
  const rows: Json[] = group[mode] ?? []
  const first = rows[0]
  if (!first) return "always"
  const text =
    "field" in first ? `${first.field} ${first.op}${first.value === undefined ? "" : ` ${JSON.stringify(first.value)}`}` : "a group"
  return rows.length > 1 ? `${text} ${mode === "all" ? "and" : "or"} ${rows.length - 1} more` : text
}

/** One line that says what a step does, for its node. */
export function summary(step: Json): string {
  switch (step.type) {
    case "wait": {
      const d = step.duration ? `${step.duration.amount} ${step.duration.unit}` : ""
      return [d && `Wait ${d}`, step.until_time && `until ${step.until_time}`].filter(Boolean).join(", then ") || "Wait"
    }
    case "wait_until":
      return `Until ${describeCondition(step.condition)}`
    case "send_email":
      return step.template?.subject ? `“${step.template.subject}”` : "Email"
    case "send_sms":
      return step.template?.body ? `“${step.template.body}”` : "Text message"
    case "condition":
      return `If ${describeCondition(step.if)}`
    case "split":
      return (step.variants ?? []).map((v: Json) => `${v.key} ${v.weight}`).join(" · ")
    case "exit":
      return "The run ends here"
    default:
      return ""
  }
}

function countsLine(step: Json, counts: StepCounts | undefined): string | null {
  if (!counts) return null
  const c = counts.steps[step.id] ?? { waiting: 0, sent: 0, converted: 0 }
  const parts = [`${c.waiting} waiting`]
  if (step.type === "send_email" || step.type === "send_sms" || c.sent) {
    parts.push(`${c.sent} sent`)
    parts.push(`${c.sent ? Math.round((c.converted / c.sent) * 1000) / 10 : 0}% conv.`)
  }
  return parts.join(" · ")
}

type FlowNodeData = { graph: GraphNode }

function StepNode({ id, data, selected }: NodeProps<Node<FlowNodeData>>) {
  const { counts, issues } = useCanvas()
  const step = data.graph.step!
  const problems = issues[id] ?? []
  const handles = data.graph.handles
  return (
    <div
      className="bg-ui-bg-base flex flex-col gap-1 rounded-lg px-3 py-2"
      style={{
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        boxShadow: problems.length
          ? "0 0 0 2px var(--border-error)"
          : selected
            ? "0 0 0 2px var(--border-interactive)"
            : "var(--elevation-card-rest)",
      }}
      data-testid={`canvas-node-${id}`}
      title={problems.join("\n") || undefined}
    >
      <Handle type="target" position={Position.Top} />
      <div className="flex items-center justify-between gap-2">
        <Badge size="2xsmall" color={step.type === "condition" || step.type === "split" ? "purple" : step.type === "exit" ? "red" : "grey"}>
          {typeLabel(step.type)}
        </Badge>
        <Text size="xsmall" weight="plus" className="truncate">
          {step.id}
        </Text>
      </div>
      <Text size="xsmall" className="text-ui-fg-base truncate">
        {summary(step)}
      </Text>
      {problems.length ? (
        <Text size="xsmall" className="text-ui-fg-error truncate" role="alert" data-testid={`node-error-${id}`}>
          {problems[0]}
          {problems.length > 1 ? ` (+${problems.length - 1})` : ""}
        </Text>
      ) : (
        <Text size="xsmall" className="text-ui-fg-subtle truncate" data-testid={`node-counts-${id}`}>
          {countsLine(step, counts) ?? " "}
        </Text>
      )}
      {handles.map((handle, i) => (
        <Handle
          key={handle.id}
          id={handle.id}
          type="source"
          position={Position.Bottom}
          style={{ left: `${((i + 1) / (handles.length + 1)) * 100}%` }}
          aria-label={handle.label ? `${handle.label} of ${id}` : `After ${id}`}
        />
      ))}
    </div>
  )
}

function TriggerNode({ selected }: NodeProps<Node<FlowNodeData>>) {
  const { definition, counts, issues } = useCanvas()
  const problems = issues[TRIGGER_ID] ?? []
  return (
    <div
      className="bg-ui-bg-subtle flex flex-col gap-1 rounded-lg px-3 py-2"
      style={{
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        boxShadow: problems.length
          ? "0 0 0 2px var(--border-error)"
          : selected
            ? "0 0 0 2px var(--border-interactive)"
            : "var(--elevation-card-rest)",
      }}
      data-testid="canvas-node-trigger"
    >
      <Badge size="2xsmall" color="green" className="self-start">
        trigger
      </Badge>
      <Text size="xsmall" weight="plus" className="truncate">
        Starts on {triggerLabel(definition.trigger?.event ?? "")}
      </Text>
      <Text size="xsmall" className={`truncate ${problems.length ? "text-ui-fg-error" : "text-ui-fg-subtle"}`}>
        {problems[0] ?? (counts ? `${counts.entering} entering` : " ")}
      </Text>
      <Handle id="out" type="source" position={Position.Bottom} aria-label="Start of the flow" />
    </div>
  )
}

function EndNode() {
  return (
    <div
      className="bg-ui-bg-subtle text-ui-fg-subtle flex items-center justify-center rounded-full"
      style={{ width: END_SIZE * 2, height: END_SIZE, boxShadow: "var(--elevation-card-rest)" }}
      data-testid="canvas-node-end"
    >
      <Handle type="target" position={Position.Top} />
      <Text size="xsmall">End</Text>
    </div>
  )
}

/** Add-a-step menu: one item per step type. */
function AddMenu({ label, onAdd, children }: { label: string; onAdd: (type: string) => void; children: React.ReactNode }) {
  return (
    <DropdownMenu>
      <DropdownMenu.Trigger asChild>
        <button
          type="button"
          aria-label={label}
          className="bg-ui-bg-base text-ui-fg-subtle hover:text-ui-fg-base nodrag nopan flex items-center justify-center rounded-full text-xs"
          style={{ width: 20, height: 20, boxShadow: "var(--elevation-card-rest)" }}
        >
          {children}
        </button>
      </DropdownMenu.Trigger>
      {/* The new step takes the focus, not the menu's button. */}
      <DropdownMenu.Content onCloseAutoFocus={(event) => event.preventDefault()}>
        {Object.keys(NEW_STEPS).map((type) => (
          <DropdownMenu.Item key={type} onClick={() => onAdd(type)}>
            {typeLabel(type)}
          </DropdownMenu.Item>
        ))}
      </DropdownMenu.Content>
    </DropdownMenu>
  )
}

type SlotEdgeData = { graph: GraphEdge }

/** An edge of the flow: its branch label (yes, no, a variant) and a button that adds a step on it. */
function SlotEdge({
  id,
  source,
  target,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  data,
  markerEnd,
}: EdgeProps<Edge<SlotEdgeData>>) {
  const { addAt } = useCanvas()
  const [path, labelX, labelY] = getSmoothStepPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, borderRadius: 12 })
  const edge = data!.graph
  const name = (node: string) => (node === TRIGGER_ID ? "the trigger" : node === END_ID ? "the end" : node)
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ stroke: "var(--border-strong)", strokeWidth: 1.5 }} />
      <EdgeLabelRenderer>
        {edge.label && (
          <div
            className="bg-ui-bg-base text-ui-fg-subtle nodrag nopan absolute rounded px-1 text-xs"
            style={{ transform: `translate(-50%, 0) translate(${sourceX}px, ${sourceY + 6}px)`, boxShadow: "var(--elevation-card-rest)" }}
          >
            {edge.label}
          </div>
        )}
        <div
          className="nodrag nopan absolute"
          style={{
            transform: `translate(-50%, -50%) translate(${labelX}px, ${edge.label ? Math.max(labelY, sourceY + 34) : labelY}px)`,
            pointerEvents: "all",
          }}
        >
          <AddMenu
            label={`Add a step between ${name(source)}${edge.label ? ` (${edge.label})` : ""} and ${name(target)}`}
            onAdd={(type) => addAt(edge.slot, type)}
          >
            +
          </AddMenu>
        </div>
      </EdgeLabelRenderer>
    </>
  )
}

const nodeTypes = { step: StepNode, trigger: TriggerNode, end: EndNode }
const edgeTypes = { slot: SlotEdge }

/** The side panel's editor of one step: its own fields; its branches are edited on the canvas. */
function StepPanelBody({ step, onChange, ctx }: { step: Json; onChange: (s: Json) => void; ctx: Ctx }) {
  if (step.type === "condition") {
    return (
      <div className="flex flex-col gap-2">
        <ConditionsEditor label={`If (${step.id})`} group={step.if} onChange={(group) => onChange({ ...step, if: group })} />
        <Text size="small" className="text-ui-fg-subtle">
          The steps of the Yes and No branches are added and moved on the canvas.
        </Text>
      </div>
    )
  }
  if (step.type === "split") {
    return (
      <div className="flex flex-col gap-3">
        {step.variants.map((variant: Json, v: number) => (
          <div key={v} className="flex items-end gap-2">
            <div className="flex flex-col gap-1">
              <Label size="small" htmlFor={`${step.id}-key-${v}`}>
                Variant
              </Label>
              <Input
                id={`${step.id}-key-${v}`}
                size="small"
                className="w-24"
                value={variant.key}
                onChange={(e) =>
                  onChange({ ...step, variants: step.variants.map((x: Json, j: number) => (j === v ? { ...x, key: e.target.value } : x)) })
                }
              />
            </div>
            <div className="flex flex-col gap-1">
              <Label size="small" htmlFor={`${step.id}-weight-${v}`}>
                Weight
              </Label>
              <Input
                id={`${step.id}-weight-${v}`}
                size="small"
                type="number"
                min={1}
                className="w-24"
                value={variant.weight}
                onChange={(e) =>
                  onChange({
                    ...step,
                    variants: step.variants.map((x: Json, j: number) => (j === v ? { ...x, weight: Number(e.target.value) } : x)),
                  })
                }
              />
            </div>
          </div>
        ))}
        <div>
          <Button
            size="small"
            variant="secondary"
            onClick={() =>
              onChange({
                ...step,
                variants: [...step.variants, { key: String.fromCharCode(97 + step.variants.length), weight: 50, steps: [] }],
              })
            }
          >
            Add a variant
          </Button>
        </div>
      </div>
    )
  }
  return <StepBody step={step} onChange={onChange} ctx={ctx} />
}

type Props = {
  definition: Json
  onChange: (definition: Json) => void
  ctx: Ctx
  /** The last save's error message from the API: the issues it names are shown on their nodes. */
  saveError: string | null
}

function Canvas({ definition, onChange, ctx, saveError }: Props) {
  const flow = useReactFlow()
  const wrapper = useRef<HTMLDivElement>(null)
  const history = useRef<Json[]>([])
  const [selected, setSelected] = useState<string | null>(null)
  const [openId, setOpenId] = useState<string | null>(null)
  const [dragged, setDragged] = useState<Positions>({})
  // The sizes xyflow measured: nodes are rebuilt from the definition, and must carry them (and so keep
  // their handles' positions) or xyflow would hide them to measure again.
  const [measured, setMeasured] = useState<Record<string, { width: number; height: number }>>({})
  const [addType, setAddType] = useState("")

  const counts = useQuery({
    queryKey: ["flows", "step-counts", ctx.flowId],
    queryFn: () => api.get<StepCounts>(`/admin/flows/${ctx.flowId}/step-counts`),
    refetchInterval: 30_000,
  })

  const graph = useMemo(() => definitionToGraph(definition), [definition])
  const structure = graph.edges.map((e) => e.id).join("|")
  const layout = useMemo(() => layoutGraph(graph), [structure]) // eslint-disable-line react-hooks/exhaustive-deps
  // Dragged positions hold until the flow's shape changes; then the layout places everything again.
  useEffect(() => setDragged({}), [structure])

  const issues = useMemo(
    () => issuesByNode(definition, [...definitionIssues(definition), ...(saveError ? issuesInMessage(saveError) : [])]),
    [definition, saveError]
  )

  const commit = useCallback(
    (edit: Edit, after?: (next: Json) => void) => {
      if ("error" in edit) {
        toast.error(edit.error)
        return false
      }
      history.current = [...history.current.slice(-49), definition]
      onChange(edit.definition)
      after?.(edit.definition)
      return true
    },
    [definition, onChange]
  )

  const undo = useCallback(() => {
    const previous = history.current.pop()
    if (previous) onChange(previous)
  }, [onChange])

  const focusNode = useCallback((id: string) => {
    setSelected(id)
    // A new node is hidden until xyflow has measured it, and a hidden element takes no focus: try again
    // for a moment, until it does.
    let tries = 0
    const attempt = () => {
      const element = wrapper.current?.querySelector<HTMLElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`)
      element?.focus()
      if (document.activeElement !== element && ++tries < 40) setTimeout(attempt, 50)
    }
    requestAnimationFrame(attempt)
  }, [])

  const addAt = useCallback(
    (slot: Slot, type: string) => {
      const step = NEW_STEPS[type](ctx.newId(type))
      commit(insertStep(definition, slot, step), () => focusNode(step.id))
    },
    [commit, ctx, definition, focusNode]
  )

  /** A new step after the selected node (after a condition or split: after its branches join). */
  const addAfterSelected = (type: string) => {
    const id = selected ?? END_ID
    if (id === TRIGGER_ID) return addAt({ owner: null, index: 0 }, type)
    const found = id === END_ID ? null : locate(definition.steps, id)
    addAt(
      found ? { owner: found.owner, branch: found.branch, index: found.index + 1 } : { owner: null, index: definition.steps.length },
      type
    )
  }

  const remove = useCallback(
    (id: string) => {
      if (id === TRIGGER_ID || id === END_ID) return
      const before = definition
      if (
        commit(removeStep(definition, id), () => {
          setSelected(null)
          setOpenId(null)
        })
      ) {
        toast.info(`Removed ${id}`, {
          description: "Save to keep the change.",
          action: { label: "Undo", altText: `Undo removing ${id}`, onClick: () => onChange(before) },
        })
      }
    },
    [commit, definition, onChange]
  )

  const onConnect = (connection: Connection) => {
    commit(connect(definition, connection.source, connection.sourceHandle, connection.target), () => focusNode(connection.target))
  }

  const nodes: Node<FlowNodeData>[] = useMemo(
    () =>
      graph.nodes.map((node) => ({
        id: node.id,
        type: node.kind,
        position: dragged[node.id] ?? layout[node.id] ?? { x: 0, y: 0 },
        data: { graph: node },
        selected: node.id === selected,
        measured: measured[node.id],
        deletable: node.kind === "step",
        connectable: true,
        ariaLabel:
          node.kind === "step"
            ? `${typeLabel(node.step!.type)} ${node.id}: ${summary(node.step!)}${issues[node.id] ? `. Problem: ${issues[node.id].join("; ")}` : ""}`
            : node.kind === "trigger"
              ? "Trigger"
              : "End of the flow",
      })),
    [graph, layout, dragged, selected, issues, measured]
  )
  const edges: Edge<SlotEdgeData>[] = useMemo(
    () =>
      graph.edges.map((edge) => ({
        id: edge.id,
        type: "slot",
        source: edge.source,
        sourceHandle: edge.sourceHandle,
        target: edge.target,
        data: { graph: edge },
        deletable: false,
        focusable: false,
      })),
    [graph]
  )

  const onNodesChange = (changes: NodeChange<Node<FlowNodeData>>[]) => {
    for (const change of changes) {
      if (change.type === "position" && change.position) {
        const position = change.position
        setDragged((d) => ({ ...d, [change.id]: position }))
      } else if (change.type === "dimensions" && change.dimensions) {
        const size = change.dimensions
        setMeasured((m) => (m[change.id]?.width === size.width && m[change.id]?.height === size.height ? m : { ...m, [change.id]: size }))
      } else if (change.type === "select") {
        if (change.selected) setSelected(change.id)
        else setSelected((s) => (s === change.id ? null : s))
      }
    }
  }

  /** The node next to `id` in a direction: along the flow's edges up and down, across a row left and right. */
  const neighbour = (id: string, key: string): string | null => {
    if (key === "ArrowDown") return graph.edges.find((e) => e.source === id)?.target ?? null
    if (key === "ArrowUp") return graph.edges.find((e) => e.target === id)?.source ?? null
    const here = dragged[id] ?? layout[id]
    const sign = key === "ArrowRight" ? 1 : -1
    const candidates = graph.nodes
      .map((n) => ({ id: n.id, p: dragged[n.id] ?? layout[n.id] }))
      .filter((n) => n.id !== id && (n.p.x - here.x) * sign > 0)
      .sort((a, b) => Math.abs(a.p.y - here.y) - Math.abs(b.p.y - here.y) || Math.abs(a.p.x - here.x) - Math.abs(b.p.x - here.x))
    return candidates[0]?.id ?? null
  }

  const onKeyDownCapture = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement
    if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === "z" && !target.closest("input, textarea, [contenteditable]")) {
      event.preventDefault()
      undo()
      return
    }
    const nodeElement = target.classList.contains("react-flow__node") ? target : null
    const id = nodeElement?.getAttribute("data-id")
    if (!id) return
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault()
      event.stopPropagation()
      setSelected(id)
      if (id !== TRIGGER_ID && id !== END_ID) setOpenId(id)
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault()
      event.stopPropagation()
      remove(id)
    } else if (event.key.startsWith("Arrow")) {
      // Arrows walk the flow; xyflow's own would nudge the node.
      event.preventDefault()
      event.stopPropagation()
      const next = neighbour(id, event.key)
      if (next) focusNode(next)
    }
  }

  const openStep = openId ? locate(definition.steps, openId)?.step : null
  const setOpenStep = (step: Json) => commit(replaceStep(definition, openId!, step))

  // A long flow opens at its top at a readable size rather than shrunk to fit.
  const onInit = () => {
    const top = layout[TRIGGER_ID]
    const height = wrapper.current?.clientHeight ?? 640
    const width = wrapper.current?.clientWidth ?? 1000
    const bottom = Math.max(...Object.values(layout).map((p) => p.y)) + NODE_HEIGHT
    if (bottom * 0.75 > height) {
      void flow.setViewport({ x: width / 2 - (top.x + NODE_WIDTH / 2) * 0.85, y: 16, zoom: 0.85 })
    } else {
      void flow.fitView({ padding: 0.15, maxZoom: 1 })
    }
  }

  const problemCount = Object.values(issues).reduce((n, list) => n + list.length, 0)

  return (
    <CanvasContext.Provider value={{ definition, counts: counts.data, issues, open: setOpenId, addAt }}>
      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <Select value={addType} onValueChange={(type) => (setAddType(""), addAfterSelected(type))}>
            <Select.Trigger style={{ width: 224 }} aria-label="Add a step after the selected one">
              <Select.Value
                placeholder={
                  selected && selected !== END_ID
                    ? `Add after ${selected === TRIGGER_ID ? "trigger" : selected}…`
                    : "Add a step at the end…"
                }
              />
            </Select.Trigger>
            <Select.Content onCloseAutoFocus={(event) => event.preventDefault()}>
              {Object.keys(NEW_STEPS).map((type) => (
                <Select.Item key={type} value={type}>
                  {typeLabel(type)}
                </Select.Item>
              ))}
            </Select.Content>
          </Select>
          <Button
            size="small"
            variant="secondary"
            disabled={!selected || selected === TRIGGER_ID || selected === END_ID}
            onClick={() => selected && setOpenId(selected)}
          >
            Edit step
          </Button>
          <Button
            size="small"
            variant="secondary"
            disabled={!selected || selected === TRIGGER_ID || selected === END_ID}
            onClick={() => selected && remove(selected)}
          >
            Delete step
          </Button>
          <Button size="small" variant="transparent" disabled={!history.current.length} onClick={undo}>
            Undo
          </Button>
          <Button size="small" variant="transparent" disabled={!Object.keys(dragged).length} onClick={() => setDragged({})}>
            Tidy layout
          </Button>
          <Text size="xsmall" className="text-ui-fg-subtle ml-auto">
            {problemCount ? (
              <span className="text-ui-fg-error" data-testid="canvas-problems">
                {plural(problemCount, "problem")} on the canvas
              </span>
            ) : (
              "Tab to a step, arrows to move between steps, Enter to edit, Delete to remove. Drag from a step's dot to another step to move it there."
            )}
          </Text>
        </div>
        <div
          ref={wrapper}
          onKeyDownCapture={onKeyDownCapture}
          className="bg-ui-bg-subtle overflow-hidden rounded-lg"
          style={{ height: 640, border: "1px solid var(--border-base)" }}
          data-testid="flow-canvas"
        >
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            edgeTypes={edgeTypes}
            onNodesChange={onNodesChange}
            onConnect={onConnect}
            onNodeDoubleClick={(_, node) => node.type === "step" && setOpenId(node.id)}
            onInit={onInit}
            deleteKeyCode={null}
            minZoom={0.2}
            maxZoom={1.5}
            nodesFocusable
            edgesFocusable={false}
            proOptions={{ hideAttribution: true }}
            aria-label="Flow canvas"
          >
            <Background color="var(--border-strong)" gap={24} />
            <Controls showInteractive={false} />
            {graph.nodes.length > 12 && <MiniMap pannable zoomable nodeColor="var(--border-strong)" />}
          </ReactFlow>
        </div>
      </div>
      <Drawer open={Boolean(openStep)} onOpenChange={(open) => !open && setOpenId(null)}>
        <Drawer.Content>
          <Drawer.Header>
            <Drawer.Title>{openStep ? `${typeLabel(openStep.type)} · ${openStep.id}` : "Step"}</Drawer.Title>
          </Drawer.Header>
          <Drawer.Body className="flex flex-col gap-3 overflow-y-auto">
            {openStep && <StepPanelBody step={openStep} onChange={setOpenStep} ctx={ctx} />}
            {openStep && issues[openStep.id] && (
              <Text size="small" className="text-ui-fg-error" role="alert">
                {issues[openStep.id].join("; ")}
              </Text>
            )}
          </Drawer.Body>
          <Drawer.Footer>
            <Button size="small" variant="danger" onClick={() => openStep && remove(openStep.id)}>
              Delete step
            </Button>
            <Drawer.Close asChild>
              <Button size="small" variant="secondary">
                Done
              </Button>
            </Drawer.Close>
          </Drawer.Footer>
        </Drawer.Content>
      </Drawer>
    </CanvasContext.Provider>
  )
}

/** The flow as a diagram, edited in place: the definition it writes is the one the API saves. */
export function FlowCanvas(props: Props) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  )
}
