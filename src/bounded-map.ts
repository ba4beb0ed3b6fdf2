/** A Map of at most `capacity` entries: adding one more drops the oldest (in insertion order). */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly capacity: number

  constructor (capacity: number) {
    super()
    this.capacity = capacity
  }

  override set (key: K, value: V): this {
    if (this.size >= this.capacity && !this.has(key)) {
      const oldest = this.keys().next()
      if (oldest.done !== true) {
        this.delete(oldest.value)
      }
    }
    return super.set(key, value)
  }
}
