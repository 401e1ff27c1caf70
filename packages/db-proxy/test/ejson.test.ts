// The accessor's fast EJSON path must answer exactly what EJSON.serialize (relaxed) would.
import { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { toRelaxedEJSON } from '../src/accessor.js'

describe('toRelaxedEJSON', () => {
  const values: Array<[string, unknown]> = [
    ['plain values', { a: 1, b: 'x', c: true, d: null, e: [1, [2, { f: 3.5 }]] }],
    ['ObjectId', { _id: new ObjectId('65a000000000000000000001') }],
    ['dates in and out of the ISO range', { a: new Date('2024-05-06T07:08:09.123Z'), b: new Date('2024-05-06T07:08:09Z'), c: new Date(-1), d: new Date('1969-12-31T00:00:00Z') }],
    ['non-finite numbers', { a: Number.NaN, b: Number.POSITIVE_INFINITY, c: -0 }],
    ['BSON wrappers', { a: Long.fromString('9007199254740993'), b: new Int32(3), c: new Double(2.5), d: Decimal128.fromString('1.10'), e: new Timestamp({ t: 1, i: 2 }), f: new Binary(Buffer.from('hi')) }],
    ['RegExp', { r: /a+b/i, s: new BSON.BSONRegExp('x', 'i') }],
    ['null-prototype objects', Object.assign(Object.create(null), { a: 1 })],
  ]
  it.each(values)('%s', (_name, value) => {
    expect(toRelaxedEJSON(value)).toEqual(BSON.EJSON.serialize(value as BSON.Document, { relaxed: true }))
  })
})
