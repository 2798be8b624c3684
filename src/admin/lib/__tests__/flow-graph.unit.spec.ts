import {
  connect,
  definitionIssues,
  definitionToGraph,
  END_ID,
  insertStep,
  issuesByNode,
  issuesInMessage,
  layoutGraph,
  moveStep,
  NODE_HEIGHT,
  NODE_WIDTH,
  nodeOfPath,
  removeStep,
  slotOfHandle,
  TRIGGER_ID,
  type Edit,
} from "../flow-graph"
import { parseFlowDefinition } from "../../../engine/definition"
import type { Json } from "../sdk"

const wait = (id: string) => ({ id, type: "wait", duration: { amount: 1, unit: "days" } })
const email = (id: string) => ({ id, type: "send_email", template: { subject: "Hi", html: "<p>Hi</p>" } })
const sms = (id: string) => ({ id, type: "send_sms", template: { body: "Hi" } })
const condition = (id: string, then: Json[] = [], otherwise: Json[] = []) => ({
  id,
  type: "condition",
  if: { all: [{ field: "engagement.opened", op: "eq", value: true }] },
  then,
  else: otherwise,
})
const split = (id: string, a: Json[] = [], b: Json[] = []) => ({
  id,
  type: "split",
  variants: [
    { key: "a", weight: 50, steps: a },
    { key: "b", weight: 50, steps: b },
  ],
})
const flow = (steps: Json[]) => ({ trigger: { event: "cart.updated" }, steps })

const ok = (edit: Edit): Json => {
  if ("error" in edit) throw new Error(edit.error)
  return edit.definition
}
const edgeList = (definition: Json) => definitionToGraph(definition).edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}`)

describe("definition to graph", () => {
  it("draws the trigger, each step, the branches joining after a condition, and the end", () => {
    const definition = flow([wait("w"), condition("c", [email("yes-mail")], []), sms("after")])
    const graph = definitionToGraph(definition)
    expect(graph.nodes.map((n) => n.id)).toEqual([TRIGGER_ID, "w", "c", "yes-mail", "after", END_ID])
    expect(edgeList(definition)).toEqual([
      `${TRIGGER_ID}:out->w`,
      "w:out->c",
      "c:then->yes-mail",
      "yes-mail:out->after",
      "c:else->after",
      `after:out->${END_ID}`,
    ])
    expect(graph.edges.find((e) => e.id === "c:then->yes-mail")!.label).toBe("Yes")
    expect(graph.edges.find((e) => e.id === "c:else->after")!.label).toBe("No")
    expect(graph.nodes.find((n) => n.id === "c")!.handles.map((h) => h.id)).toEqual(["then", "else"])
  })

  it("gives every edge the slot of the tree it stands for", () => {
    const definition = flow([condition("c", [email("m")], []), split("s", [], [sms("t")])])
    const slots = Object.fromEntries(definitionToGraph(definition).edges.map((e) => [e.id, e.slot]))
    expect(slots[`${TRIGGER_ID}:out->c`]).toEqual({ owner: null, index: 0 })
    expect(slots["c:then->m"]).toEqual({ owner: "c", branch: "then", index: 0 })
    expect(slots["m:out->s"]).toEqual({ owner: "c", branch: "then", index: 1 })
    expect(slots["c:else->s"]).toEqual({ owner: "c", branch: "else", index: 0 })
    expect(slots[`s:v0->${END_ID}`]).toEqual({ owner: "s", branch: 0, index: 0 })
    expect(slots[`t:out->${END_ID}`]).toEqual({ owner: "s", branch: 1, index: 1 })
  })

  it("ends a path at an exit step", () => {
    const definition = flow([condition("c", [{ id: "stop", type: "exit" }], []), email("m")])
    expect(edgeList(definition)).toEqual([`${TRIGGER_ID}:out->c`, "c:then->stop", "c:else->m", `m:out->${END_ID}`])
  })

  it("inserting a step on each edge of the graph puts it at the place the edge stands for", () => {
    const definition = flow([wait("w"), condition("c", [email("m")], []), split("s", [sms("t")], [])])
    for (const edge of definitionToGraph(definition).edges) {
      const next = ok(insertStep(definition, edge.slot, wait("new")))
      // The new step sits between the edge's two ends.
      const edges = edgeList(next)
      expect(edges).toContain(`${edge.source}:${edge.sourceHandle}->new`)
      expect(edges).toContain(`new:out->${edge.target}`)
      expect(() => parseFlowDefinition(next)).not.toThrow()
    }
  })
})

describe("editing the tree", () => {
  const base = flow([wait("w"), condition("c", [email("m")], [sms("s")]), email("last")])

  it("removes a step with its branches", () => {
    expect(ok(removeStep(base, "c")).steps.map((s: Json) => s.id)).toEqual(["w", "last"])
    expect(ok(removeStep(base, "m")).steps[1].then).toEqual([])
    expect(removeStep(base, "nope")).toEqual({ error: "There is no step nope." })
    // The original is not changed.
    expect(base.steps[1].then).toHaveLength(1)
  })

  it("connecting from a handle moves the target step there", () => {
    // Yes side of c → last: `last` becomes the first step of the yes branch.
    const next = ok(connect(base, "c", "then", "last"))
    expect(next.steps.map((s: Json) => s.id)).toEqual(["w", "c"])
    expect(next.steps[1].then.map((s: Json) => s.id)).toEqual(["last", "m"])
    // The trigger to a later step: it becomes the first step.
    expect(ok(connect(base, TRIGGER_ID, "out", "last")).steps.map((s: Json) => s.id)).toEqual(["last", "w", "c"])
    // A step to a step before it in the same sequence.
    expect(ok(connect(base, "last", "out", "w")).steps.map((s: Json) => s.id)).toEqual(["c", "last", "w"])
  })

  it("moves within one sequence to the right place, whichever way", () => {
    const seq = flow([wait("a"), wait("b"), wait("c"), wait("d")])
    expect(ok(moveStep(seq, "a", { owner: null, index: 3 })).steps.map((s: Json) => s.id)).toEqual(["b", "c", "a", "d"])
    expect(ok(moveStep(seq, "d", { owner: null, index: 1 })).steps.map((s: Json) => s.id)).toEqual(["a", "d", "b", "c"])
    expect(ok(connect(seq, "b", "out", "d")).steps.map((s: Json) => s.id)).toEqual(["a", "b", "d", "c"])
  })

  it("refuses connections the tree cannot express, saying why", () => {
    expect(connect(base, "w", "out", TRIGGER_ID)).toEqual({ error: "The trigger starts the flow: nothing can lead into it." })
    expect(connect(base, "w", "out", END_ID)).toEqual({ error: expect.stringContaining("connect to a step") })
    expect(connect(base, "w", "out", "w")).toEqual({ error: "A step cannot follow itself." })
    // Into its own branch: the step would contain itself.
    expect(connect(base, "m", "out", "c")).toEqual({ error: "c cannot go inside its own branches." })
    const withExit = flow([{ id: "stop", type: "exit" }, wait("w")])
    expect(connect(withExit, "stop", "out", "w")).toEqual({ error: "Nothing runs after stop: an exit step ends the run." })
    expect(slotOfHandle(base, "c", "out")).toEqual({ error: "Connect from the Yes or the No side of c." })
    expect(slotOfHandle(flow([split("s")]), "s", "v7")).toEqual({ error: "Connect from one of the variants of s." })
  })

  it("keeps every edit a definition the API accepts", () => {
    let definition: Json = flow([wait("w")])
    definition = ok(insertStep(definition, { owner: null, index: 1 }, condition("c")))
    definition = ok(insertStep(definition, { owner: "c", branch: "then", index: 0 }, email("m")))
    definition = ok(insertStep(definition, { owner: "c", branch: "else", index: 0 }, split("s")))
    definition = ok(insertStep(definition, { owner: "s", branch: 1, index: 0 }, sms("t")))
    definition = ok(connect(definition, "t", "out", "w"))
    expect(() => parseFlowDefinition(definition)).not.toThrow()
    expect(definitionIssues(definition)).toEqual([])
    expect(definition.steps[0].else[0].variants[1].steps.map((s: Json) => s.id)).toEqual(["t", "w"])
  })
})

describe("layout", () => {
  /** A long flow: waits and sends, with conditions and splits along the way. */
  function longFlow(size: number): Json {
    const steps: Json[] = []
    let n = 0
    while (n < size) {
      if (n % 7 === 3) {
        steps.push(condition(`c${n}`, [email(`c${n}-yes`), wait(`c${n}-wait`)], [sms(`c${n}-no`)]))
        n += 4
      } else if (n % 11 === 5) {
        steps.push(split(`s${n}`, [email(`s${n}-a`)], [email(`s${n}-b`)]))
        n += 3
      } else {
        steps.push(n % 2 ? email(`m${n}`) : wait(`w${n}`))
        n += 1
      }
    }
    return flow(steps)
  }

  it("lays a flow of 30 steps out top-down with no overlapping nodes", () => {
    const definition = longFlow(30)
    const graph = definitionToGraph(definition)
    expect(graph.nodes.filter((n) => n.kind === "step").length).toBeGreaterThanOrEqual(30)
    const positions = layoutGraph(graph)
    const boxes = graph.nodes.map((n) => ({
      id: n.id,
      ...positions[n.id],
      w: n.kind === "step" || n.kind === "trigger" ? NODE_WIDTH : 112,
    }))
    for (const a of boxes) {
      for (const b of boxes) {
        if (a.id < b.id) {
          const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + NODE_HEIGHT <= b.y || b.y + NODE_HEIGHT <= a.y
          expect({ pair: [a.id, b.id], apart }).toEqual({ pair: [a.id, b.id], apart: true })
        }
      }
    }
    // Every edge runs downwards: the flow reads from top to bottom.
    for (const edge of graph.edges) {
      expect(positions[edge.target].y).toBeGreaterThan(positions[edge.source].y)
    }
    // Branches stand side by side rather than stacked.
    const c3 = graph.nodes.find((n) => n.id === "c3")!
    expect(c3).toBeDefined()
    expect(positions["c3-yes"].y).toBe(positions["c3-no"].y)
    expect(positions["c3-yes"].x).not.toBe(positions["c3-no"].x)
  })
})

describe("validation issues on their nodes", () => {
  const definition = flow([wait("w"), condition("c", [email("m")], [split("s", [sms("t")], [])]), email("last")])

  it("maps an issue's path in the definition to the step it is about", () => {
    expect(nodeOfPath(definition, "steps.0.duration")).toBe("w")
    expect(nodeOfPath(definition, "steps.1.then.0.template.html")).toBe("m")
    expect(nodeOfPath(definition, "steps.1.if")).toBe("c")
    expect(nodeOfPath(definition, "steps.1.else.0.variants.0.steps.0.template.body")).toBe("t")
    expect(nodeOfPath(definition, "steps.1.else.0.variants.1.weight")).toBe("s")
    expect(nodeOfPath(definition, "definition.steps.2.id")).toBe("last")
    // Template issues name the step by id.
    expect(nodeOfPath(definition, "steps.m.html")).toBe("m")
    expect(nodeOfPath(definition, "trigger.event")).toBe(TRIGGER_ID)
    expect(nodeOfPath(definition, "steps.9.id")).toBeNull()
    expect(nodeOfPath(definition, "steps.unknown.html")).toBeNull()
  })

  it("finds the issues of the schema the API validates with, on their nodes", () => {
    const broken = structuredClone(definition)
    broken.steps[1].then[0].template.html = ""
    broken.steps[0].duration.amount = 400
    const issues = definitionIssues(broken)
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["steps.1.then.0.template.html", "steps.0.duration"]))
    const byNode = issuesByNode(broken, issues)
    expect(Object.keys(byNode).sort()).toEqual(["m", "w"])
    expect(byNode.w).toEqual(["duration: a duration can be at most 366 days"])
    expect(byNode.m[0]).toMatch(/^html: /)
  })

  it("reads issues out of the API's error messages", () => {
    expect(
      issuesInMessage("Invalid template: steps.m.html: line 1, column 4: unexpected token; steps.t.body: line 1, column 1: x")
    ).toEqual([
      { path: "steps.m.html", message: "line 1, column 4: unexpected token" },
      { path: "steps.t.body", message: "line 1, column 1: x" },
    ])
    expect(
      issuesInMessage("Invalid request: Value for field 'definition, steps, 1, then, 0, template, html' too small, expected at least: '1'")
    ).toEqual([
      {
        path: "definition.steps.1.then.0.template.html",
        message: "Value for field 'definition, steps, 1, then, 0, template, html' too small, expected at least: '1'",
      },
    ])
    const mapped = issuesByNode(definition, issuesInMessage('Invalid flow definition: steps.1.then.0.id: duplicate step id "w"'))
    expect(mapped).toEqual({ m: ['id: duplicate step id "w"'] })
  })
})
