// A sorted list of index entries kept in chunks (a flat B-tree of height two): inserts and deletes move at most one chunk's
// worth of pointers, lookups are two binary searches, and a copy for a transaction is one shallow slice per chunk.

const MAX_CHUNK = 512

export interface Position {
  chunk: number
  index: number
}

export class SortedList<T> {
  private chunks: T[][] = []
  /** Each chunk's last item, so finding a chunk touches one array (fewer cache misses than reaching into every chunk). */
  private lasts: T[] = []
  private count = 0

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.count
  }

  clone(): SortedList<T> {
    const copy = new SortedList<T>(this.compare)
    copy.chunks = this.chunks.map((chunk) => chunk.slice())
    copy.lasts = this.lasts.slice()
    copy.count = this.count
    return copy
  }

  insert(item: T): void {
    this.count++
    if (this.chunks.length === 0) {
      this.chunks.push([item])
      this.lasts.push(item)
      return
    }
    // The first chunk whose last item is not below `item`; the last chunk when `item` is beyond every item.
    let chunkIndex = this.firstChunk((last) => this.compare(last, item) >= 0)
    if (chunkIndex === this.chunks.length) chunkIndex--
    const chunk = this.chunks[chunkIndex]!
    chunk.splice(lowerIndex(chunk, (entry) => this.compare(entry, item) >= 0), 0, item)
    this.lasts[chunkIndex] = chunk[chunk.length - 1]!
    if (chunk.length > MAX_CHUNK) {
      const tail = chunk.splice(MAX_CHUNK / 2)
      this.chunks.splice(chunkIndex + 1, 0, tail)
      this.lasts.splice(chunkIndex, 1, chunk[chunk.length - 1]!, tail[tail.length - 1]!)
    }
  }

  /** Removes the item comparing equal to `item` (entries are unique by construction); false when absent. */
  remove(item: T): boolean {
    const position = this.seek((entry) => this.compare(entry, item) >= 0)
    const chunk = this.chunks[position.chunk]
    if (!chunk || position.index >= chunk.length || this.compare(chunk[position.index]!, item) !== 0) return false
    chunk.splice(position.index, 1)
    if (chunk.length === 0) {
      this.chunks.splice(position.chunk, 1)
      this.lasts.splice(position.chunk, 1)
    } else this.lasts[position.chunk] = chunk[chunk.length - 1]!
    this.count--
    return true
  }

  /** The first position whose item satisfies `atOrAfter` (a predicate that is false, then true, along the list). */
  seek(atOrAfter: (item: T) => boolean): Position {
    const chunk = this.firstChunk((last) => atOrAfter(last))
    if (chunk === this.chunks.length) return { chunk, index: 0 }
    return { chunk, index: lowerIndex(this.chunks[chunk]!, atOrAfter) }
  }

  /** Calls `fn` on items from `start` forwards (or, with `reverse`, from just before `start` backwards) until it returns false. */
  each(start: Position, reverse: boolean, fn: (item: T) => boolean): void {
    if (!reverse) {
      for (let chunk = start.chunk, index = start.index; chunk < this.chunks.length; chunk++, index = 0) {
        const items = this.chunks[chunk]!
        for (; index < items.length; index++) if (!fn(items[index]!)) return
      }
      return
    }
    let chunk = Math.min(start.chunk, this.chunks.length)
    let index = chunk < this.chunks.length ? start.index - 1 : -1
    for (;;) {
      while (index < 0) {
        if (--chunk < 0) return
        index = this.chunks[chunk]!.length - 1
      }
      if (!fn(this.chunks[chunk]![index]!)) return
      index--
    }
  }

  private firstChunk(atOrAfter: (last: T) => boolean): number {
    let low = 0
    let high = this.lasts.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (atOrAfter(this.lasts[middle]!)) high = middle
      else low = middle + 1
    }
    return low
  }
}

function lowerIndex<T>(items: T[], atOrAfter: (item: T) => boolean): number {
  let low = 0
  let high = items.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (atOrAfter(items[middle]!)) high = middle
    else low = middle + 1
  }
  return low
}
