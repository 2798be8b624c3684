import dagre from "@dagrejs/dagre"
import { flowDefinitionSchema } from "../../engine/definition"
import type { Json } from "./sdk"

/**
 * The flow canvas's pure side: a definition (a tree of steps with `then`/`else` branches and split
 * `variants`) drawn as a graph, edits on the graph written back into the tree, an automatic layout,
 * and validation issues located on their nodes. The definition stays the single source of truth: the
 * canvas never keeps a graph of its own, so what it saves is exactly what the API validates.
 */

export const TRIGGER_ID = "__trigger"
export const END_ID = "__end"

/** A branch of a step: a condition's `then`/`else`, or a split's variant by index. */
export type Branch = "then" | "else" | number
/** A place in the tree: position `index` of the main sequence (`owner` null) or of a step's branch. */
export type Slot = { owner: string | null; branch?: Branch; index: number }

export type FlowNodeKind = "trigger" | "end" | "step"
/** One way out of a node: the next step, a condition's yes/no, a split's variant. */
export type NodeHandle = { id: string; label?: string }
export type GraphNode = { id: string; kind: FlowNodeKind; step?: Json; handles: NodeHandle[] }
export type GraphEdge = { id: string; source: string; sourceHandle: string; target: string; label?: string; slot: Slot }
export type Graph = { nodes: GraphNode[]; edges: GraphEdge[] }

type Pending = { source: string; sourceHandle: string; label?: string; slot: Slot }

export const handlesOf = (step: Json): NodeHandle[] =>
  step.type === "condition"
    ? [
        { id: "then", label: "Yes" },
        { id: "else", label: "No" },
      ]
    : step.type === "split"
      ? step.variants.map((variant: Json, v: number) => ({ id: `v${v}`, label: `${variant.key} · ${variant.weight}` }))
      : step.type === "exit"
        ? []
        : [{ id: "out" }]

/**
 * The graph of a definition: the trigger, a node per step and the end. A condition's branches and a
 * split's variants fan out from it and join again at the step after it, as the engine runs them; an
 * exit step ends its path. Every edge knows the slot of the tree it stands for, so a step can be
 * inserted "on" it.
 */
export function definitionToGraph(definition: Json): Graph {
  const nodes: GraphNode[] = [{ id: TRIGGER_ID, kind: "trigger", handles: [{ id: "out" }] }]
  const edges: GraphEdge[] = []
  const link = (ends: Pending[], target: string) => {
    for (const end of ends) {
      edges.push({ id: `${end.source}:${end.sourceHandle}->${target}`, target, ...end })
    }
  }
  const sequence = (steps: Json[], owner: string | null, branch: Branch | undefined, entries: Pending[]): Pending[] => {
    let ends = entries
    steps.forEach((step, index) => {
      nodes.push({ id: step.id, kind: "step", step, handles: handlesOf(step) })
      link(ends, step.id)
      if (step.type === "condition") {
        ends = (["then", "else"] as const).flatMap((b) =>
          sequence(step[b] ?? [], step.id, b, [
            { source: step.id, sourceHandle: b, label: b === "then" ? "Yes" : "No", slot: { owner: step.id, branch: b, index: 0 } },
          ])
        )
      } else if (step.type === "split") {
        ends = (step.variants ?? []).flatMap((variant: Json, v: number) =>
          sequence(variant.steps ?? [], step.id, v, [
            { source: step.id, sourceHandle: `v${v}`, label: String(variant.key), slot: { owner: step.id, branch: v, index: 0 } },
          ])
        )
      } else if (step.type === "exit") {
        ends = []
      } else {
        ends = [{ source: step.id, sourceHandle: "out", slot: { owner, branch, index: index + 1 } }]
      }
    })
    return ends
  }
  const ends = sequence(definition.steps ?? [], null, undefined, [
    { source: TRIGGER_ID, sourceHandle: "out", slot: { owner: null, index: 0 } },
  ])
  nodes.push({ id: END_ID, kind: "end", handles: [] })
  link(ends, END_ID)
  return { nodes, edges }
}

// ---------------------------------------------------------------------------------------------------
// Editing the tree

/** Where a step is: the sequence holding it and its index there. */
export type Location = { owner: string | null; branch?: Branch; index: number; step: Json }

function branchSteps(step: Json, branch: Branch | undefined): Json[] | undefined {
  if (branch === "then" || branch === "else") return step.type === "condition" ? (step[branch] ??= []) : undefined
  if (typeof branch === "number") return step.type === "split" ? step.variants?.[branch]?.steps : undefined
  return undefined
}

/** Finds a step anywhere in the tree. */
export function locate(steps: Json[], id: string, owner: string | null = null, branch?: Branch): Location | null {
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index]
    if (step.id === id) return { owner, branch, index, step }
    const inner =
      step.type === "condition"
        ? (locate(step.then ?? [], id, step.id, "then") ?? locate(step.else ?? [], id, step.id, "else"))
        : step.type === "split"
          ? (step.variants ?? []).reduce(
              (found: Location | null, variant: Json, v: number) => found ?? locate(variant.steps ?? [], id, step.id, v),
              null
            )
          : null
    if (inner) return inner
  }
  return null
}

/** The array of steps a slot points into, in `definition` (mutable: callers pass a copy). */
function sequenceOf(definition: Json, owner: string | null, branch?: Branch): Json[] | undefined {
  if (owner === null) return definition.steps
  const found = locate(definition.steps, owner)
  return found ? branchSteps(found.step, branch) : undefined
}

const copy = (definition: Json): Json => structuredClone(definition)

/** Every step id in a step and its branches. */
export function idsWithin(step: Json): string[] {
  const inner: Json[] =
    step.type === "condition"
      ? [...(step.then ?? []), ...(step.else ?? [])]
      : step.type === "split"
        ? (step.variants ?? []).flatMap((v: Json) => v.steps ?? [])
        : []
  return [step.id, ...inner.flatMap(idsWithin)]
}

export type Edit = { definition: Json } | { error: string }

/** Puts a new step at a slot. */
export function insertStep(definition: Json, slot: Slot, step: Json): Edit {
  const next = copy(definition)
  const seq = sequenceOf(next, slot.owner, slot.branch)
  if (!seq) return { error: `There is no branch there to add ${step.id} to.` }
  seq.splice(Math.min(slot.index, seq.length), 0, step)
  return { definition: next }
}

/** Removes a step, with its branches. */
export function removeStep(definition: Json, id: string): Edit {
  const next = copy(definition)
  const found = locate(next.steps, id)
  if (!found) return { error: `There is no step ${id}.` }
  sequenceOf(next, found.owner, found.branch)!.splice(found.index, 1)
  return { definition: next }
}

/** Replaces a step's own fields (its branches are kept as they are on the canvas). */
export function replaceStep(definition: Json, id: string, step: Json): Edit {
  const next = copy(definition)
  const found = locate(next.steps, id)
  if (!found) return { error: `There is no step ${id}.` }
  sequenceOf(next, found.owner, found.branch)![found.index] = step
  return { definition: next }
}

/** The slot that a node's handle leads into: after the step, or the start of one of its branches. */
export function slotOfHandle(definition: Json, nodeId: string, handle: string | null | undefined): Slot | { error: string } {
  if (nodeId === TRIGGER_ID) return { owner: null, index: 0 }
  if (nodeId === END_ID) return { error: "The end of the flow leads nowhere." }
  const found = locate(definition.steps ?? [], nodeId)
  if (!found) return { error: `There is no step ${nodeId}.` }
  const { step } = found
  if (step.type === "exit") return { error: `Nothing runs after ${step.id}: an exit step ends the run.` }
  if (step.type === "condition") {
    if (handle !== "then" && handle !== "else") return { error: `Connect from the Yes or the No side of ${step.id}.` }
    return { owner: step.id, branch: handle, index: 0 }
  }
  if (step.type === "split") {
    const v = Number(String(handle ?? "").replace(/^v/, ""))
    if (!handle || !Number.isInteger(v) || !step.variants?.[v]) return { error: `Connect from one of the variants of ${step.id}.` }
    return { owner: step.id, branch: v, index: 0 }
  }
  return { owner: found.owner, branch: found.branch, index: found.index + 1 }
}

/** Moves a step (with its branches) to a slot, refusing what the tree cannot hold. */
export function moveStep(definition: Json, id: string, slot: Slot): Edit {
  const found = locate(definition.steps ?? [], id)
  if (!found) return { error: `There is no step ${id}.` }
  if (slot.owner !== null && idsWithin(found.step).includes(slot.owner)) {
    return { error: `${id} cannot go inside its own branches.` }
  }
  const next = copy(definition)
  const from = sequenceOf(next, found.owner, found.branch)!
  const [moved] = from.splice(found.index, 1)
  const to = sequenceOf(next, slot.owner, slot.branch)
  if (!to) return { error: `There is no branch there to move ${id} to.` }
  const sameSequence = found.owner === slot.owner && found.branch === slot.branch
  const index = sameSequence && found.index < slot.index ? slot.index - 1 : slot.index
  to.splice(Math.min(index, to.length), 0, moved)
  return { definition: next }
}

/**
 * A connection drawn on the canvas from a node's handle to a step: the target step moves to where the
 * handle leads (right after a step, first in a branch). The tree has one way into every step, so a
 * connection that would give a step a second way in, or lead into the trigger or out of an exit or the
 * end, is refused with the reason.
 */
export function connect(definition: Json, source: string, sourceHandle: string | null | undefined, target: string): Edit {
  if (target === TRIGGER_ID) return { error: "The trigger starts the flow: nothing can lead into it." }
  if (target === END_ID) return { error: "Every path ends at the end by itself: connect to a step instead." }
  if (source === target) return { error: "A step cannot follow itself." }
  const slot = slotOfHandle(definition, source, sourceHandle)
  if ("error" in slot) return slot
  return moveStep(definition, target, slot)
}

// ---------------------------------------------------------------------------------------------------
// Layout

export const NODE_WIDTH = 272
export const NODE_HEIGHT = 104
export const END_SIZE = 56

export type Positions = Record<string, { x: number; y: number }>

/**
 * Top-down positions (top-left corners) from dagre: ranks follow the order steps run in, branches
 * side by side, no two nodes overlapping, so a flow of dozens of steps reads from top to bottom.
 */
export function layoutGraph(graph: Graph): Positions {
  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: "TB", nodesep: 48, ranksep: 56, marginx: 16, marginy: 16 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const node of graph.nodes) {
    const end = node.kind === "end"
    g.setNode(node.id, { width: end ? END_SIZE * 2 : NODE_WIDTH, height: end ? END_SIZE : NODE_HEIGHT })
  }
  for (const edge of graph.edges) {
    // Labelled edges (yes/no, variants) get room for their label.
    g.setEdge(
      edge.source,
      edge.target,
      { minlen: 1, weight: edge.label ? 4 : 1, width: edge.label ? 48 : 0, height: edge.label ? 20 : 0 },
      edge.id
    )
  }
  dagre.layout(g)
  const positions: Positions = {}
  for (const node of graph.nodes) {
    const laid = g.node(node.id)
    positions[node.id] = { x: Math.round(laid.x - laid.width / 2), y: Math.round(laid.y - laid.height / 2) }
  }
  return positions
}

// ---------------------------------------------------------------------------------------------------
// Validation issues on their nodes

export type Issue = { path: string; message: string }

/**
 * The node an issue belongs to: the step its path leads to (`steps.2.then.0.template.html`), the step
 * a template issue names by id (`steps.welcome.html`), or the trigger for the flow's own rules.
 */
export function nodeOfPath(definition: Json, path: string): string | null {
  const parts = path.split(".").filter(Boolean)
  if (parts[0] === "definition") parts.shift()
  if (parts[0] !== "steps") return parts.length && ["trigger", "exit", "reentry"].includes(parts[0]) ? TRIGGER_ID : null
  if (parts.length < 2) return null
  if (!/^\d+$/.test(parts[1])) {
    return locate(definition.steps ?? [], parts[1]) ? parts[1] : null
  }
  let sequence: Json[] | undefined = definition.steps
  let node: string | null = null
  let i = 1
  while (sequence && i < parts.length && /^\d+$/.test(parts[i])) {
    const step: Json | undefined = sequence[Number(parts[i])]
    if (!step || typeof step !== "object") break
    if (typeof step.id === "string") node = step.id
    const next = parts[i + 1]
    if (next === "then" || next === "else") {
      sequence = step[next]
      i += 2
    } else if (next === "variants" && /^\d+$/.test(parts[i + 2] ?? "") && parts[i + 3] === "steps") {
      sequence = step.variants?.[Number(parts[i + 2])]?.steps
      i += 4
    } else {
      break
    }
  }
  return node
}

/** The definition's own issues, as the API would report them (same schema), with their paths. */
export function definitionIssues(definition: Json): Issue[] {
  const result = flowDefinitionSchema.safeParse(definition)
  return result.success ? [] : result.error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
}

/**
 * Issues in an API error message: template issues (`Invalid template: steps.<id>.html: line 1, …; …`),
 * Medusa's request validation (`Value for field 'definition, steps, 2, duration' …`) and the engine's
 * own (`Invalid flow definition: steps.1.then.0.id: duplicate step id "a"; …`).
 */
export function issuesInMessage(message: string): Issue[] {
  const issues: Issue[] = []
  const body = message.replace(/^Invalid (request|template|flow definition):\s*/, "")
  for (const part of body.split(/;\s+/)) {
    const field = /field '([^']+)'/.exec(part)
    if (field) {
      issues.push({ path: field[1].split(/,\s*/).join("."), message: part })
      continue
    }
    const located = /^((?:definition\.)?(?:steps|trigger|exit|reentry)(?:\.[\w-]+)*):\s*(.+)$/.exec(part)
    if (located) issues.push({ path: located[1], message: located[2] })
  }
  return issues
}

/** Issues grouped by the node they belong to; those no node can hold are left out. */
export function issuesByNode(definition: Json, issues: Issue[]): Record<string, string[]> {
  const byNode: Record<string, string[]> = {}
  for (const issue of issues) {
    const node = nodeOfPath(definition, issue.path)
    if (node) {
      const field = issue.path.split(".").slice(-1)[0]
      const text = /^\d+$/.test(field) || field === node ? issue.message : `${field}: ${issue.message}`
      const list = (byNode[node] ??= [])
      if (!list.includes(text)) list.push(text)
    }
  }
  return byNode
}
