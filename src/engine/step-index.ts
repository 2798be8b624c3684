import type { FlowDefinition, Step } from "./definition"

type Place = { step: Step; siblings: Step[]; index: number; parentId: string | null }

const cache = new WeakMap<FlowDefinition, Map<string, Place>>()

/** Where each step sits in the tree: built once per definition object. */
function placesOf(definition: FlowDefinition): Map<string, Place> {
  let places = cache.get(definition)
  if (!places) {
    places = new Map()
    const visit = (steps: Step[], parentId: string | null) =>
      steps.forEach((step, index) => {
        places!.set(step.id, { step, siblings: steps, index, parentId })
        if (step.type === "condition") {
          visit(step.then, step.id)
          visit(step.else, step.id)
        }
        if (step.type === "split") {
          step.variants.forEach((variant) => visit(variant.steps, step.id))
        }
      })
    visit(definition.steps, null)
    cache.set(definition, places)
  }
  return places
}

export function findStep(definition: FlowDefinition, stepId: string): Step | undefined {
  return placesOf(definition).get(stepId)?.step
}

/**
 * The step that runs after `stepId` has finished: its next sibling, or when a branch ends, the step
 * after the condition or split that holds it (branches rejoin). Null at the end of the flow.
 */
export function nextStepId(definition: FlowDefinition, stepId: string): string | null {
  const place = placesOf(definition).get(stepId)
  if (!place) {
    return null
  }
  const sibling = place.siblings[place.index + 1]
  if (sibling) {
    return sibling.id
  }
  return place.parentId === null ? null : nextStepId(definition, place.parentId)
}

/** The first step of a branch, or the step after its parent when the branch is empty. */
export function firstStepOf(definition: FlowDefinition, branch: Step[], parentId: string): string | null {
  return branch[0]?.id ?? nextStepId(definition, parentId)
}
