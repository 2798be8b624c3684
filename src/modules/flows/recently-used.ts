/**
 * Sets `key` as the one used last in `map`, and drops the one unused longest once there are more than `max`:
 * a Map iterates in insertion order, so what is used again stays however many others come and go.
 */
export function keepRecentlyUsed<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > max) {
    map.delete(map.keys().next().value as K)
  }
}
