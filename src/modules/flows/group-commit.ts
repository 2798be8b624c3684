type Waiting<In, Out> = { input: In; resolve: (output: Out) => void; reject: (error: unknown) => void }

/**
 * Writes calls in groups: those made while a group is being written wait and go together in the next one.
 * Under load one transaction serves many runs; a lone call waits only for the calls of its own turn of the
 * event loop. A group that fails is written again one call at a time, so one bad call fails alone.
 */
export class GroupCommit<In, Out> {
  private waiting: Waiting<In, Out>[] = []
  private writing = false

  constructor(
    /** Writes a group; returns one output per input, in order. */
    private readonly write: (inputs: In[]) => Promise<Out[]>,
    private readonly maxGroup = 200
  ) {}

  push(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject })
      if (!this.writing) {
        void this.writeAll()
      }
    })
  }

  private async writeAll() {
    this.writing = true
    // The calls made in this turn of the event loop join the first group.
    await new Promise((resolve) => setImmediate(resolve))
    while (this.waiting.length) {
      const group = this.waiting.splice(0, this.maxGroup)
      try {
        const outputs = await this.write(group.map((call) => call.input))
        group.forEach((call, i) => call.resolve(outputs[i]))
      } catch (error) {
        if (group.length === 1) {
          group[0].reject(error)
          continue
        }
        // One after another: two hundred transactions at once would empty the connection pool.
        for (const call of group) {
          await this.writeAlone(call)
        }
      }
    }
    this.writing = false
  }

  private async writeAlone(call: Waiting<In, Out>) {
    try {
      call.resolve((await this.write([call.input]))[0])
    } catch (error) {
      call.reject(error)
    }
  }
}
