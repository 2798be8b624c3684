import { randomFillSync } from "node:crypto"
import { factory } from "ulid"

// ulid's own random source asks the OS for one byte per character, 16 calls per id; a worker sending
// hundreds of messages a second spent a tenth of its time there. The bytes are drawn 4 KB at a time instead.
const pool = Buffer.alloc(4096)
let next = pool.length

function randomFraction() {
  if (next >= pool.length) {
    randomFillSync(pool)
    next = 0
  }
  return pool[next++] / 0xff
}

const ulid = factory(randomFraction)

/** A Medusa-style id, `<prefix>_<ULID>`, as `generateEntityId` makes, for the rows the module writes itself. */
export function newId(prefix: string): string {
  return `${prefix}_${ulid()}`
}
