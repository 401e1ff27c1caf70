/**
 * True for a plain object (`{}` literal, `Object.create(null)`, parsed JSON) from ANY realm. Objects made inside a node:vm
 * sandbox have that context's `Object.prototype`, so comparing against this realm's prototype would misjudge them.
 * Class instances (ObjectId, Date, Map, …) are not plain.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  if (Object.prototype.toString.call(value) !== '[object Object]') return false
  const proto = Object.getPrototypeOf(value)
  return proto === null || Object.getPrototypeOf(proto) === null
}
