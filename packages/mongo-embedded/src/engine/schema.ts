// MongoDB's `$jsonSchema` (draft 4 plus `bsonType`), checked on stored documents, with failures described the way
// MongoDB's errInfo.details does (operatorName, specifiedAs, reason, consideredValue...).
import type { Document } from 'bson'
import { compareValues } from './compare.js'
import { CommandError } from './errors.js'
import { typeAlias } from './mingo.js'
import { SafeRegExp } from './regex.js'
import { bsonType, isNumeric, toNumber, valueKey } from './values.js'

const KEYWORDS = new Set([
  'bsonType', 'type', 'required', 'properties', 'patternProperties', 'additionalProperties', 'minProperties', 'maxProperties', 'enum',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'items',
  'additionalItems', 'minItems', 'maxItems', 'uniqueItems', 'allOf', 'anyOf', 'oneOf', 'not', 'title', 'description', 'dependencies',
])

const JSON_TYPES: Record<string, (alias: string) => boolean> = {
  object: (alias) => alias === 'object',
  array: (alias) => alias === 'array',
  number: (alias) => ['int', 'long', 'double', 'decimal'].includes(alias),
  boolean: (alias) => alias === 'bool',
  string: (alias) => alias === 'string',
  null: (alias) => alias === 'null',
}

/** Refuses a schema MongoDB would not accept (unknown keywords), at create/collMod time. */
export function checkSchema(schema: unknown): void {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new CommandError(14, 'TypeMismatch', '$jsonSchema must be an object')
  for (const [keyword, value] of Object.entries(schema as Document)) {
    if (!KEYWORDS.has(keyword)) throw new CommandError(9, 'FailedToParse', `Unknown $jsonSchema keyword: ${keyword}`)
    if (keyword === 'properties' || keyword === 'patternProperties') for (const sub of Object.values(value as Document)) checkSchema(sub)
    if (['allOf', 'anyOf', 'oneOf'].includes(keyword)) for (const sub of value as unknown[]) checkSchema(sub)
    if (keyword === 'not' || (keyword === 'items' && !Array.isArray(value)) || (keyword === 'additionalProperties' && typeof value === 'object')) checkSchema(value)
  }
}

const isObject = (value: unknown): value is Document => typeAlias(value) === 'object'

function typeRule(keyword: 'bsonType' | 'type', spec: unknown, value: unknown): Document | undefined {
  const alias = typeAlias(value)
  const wanted = Array.isArray(spec) ? spec : [spec]
  const ok = wanted.some((type) => (keyword === 'type' ? JSON_TYPES[type as string]?.(alias) : type === alias || (type === 'number' && JSON_TYPES.number!(alias))))
  return ok ? undefined : { operatorName: keyword, specifiedAs: { [keyword]: spec }, reason: 'type did not match', consideredValue: value, consideredType: alias }
}

/** The rules one value breaks (empty when it satisfies the schema). */
export function schemaFailures(schema: Document, value: unknown): Document[] {
  const failures: Document[] = []
  const fail = (keyword: string, reason: string) => failures.push({ operatorName: keyword, specifiedAs: { [keyword]: schema[keyword] }, reason, consideredValue: value })
  if (schema.bsonType !== undefined) pushIf(failures, typeRule('bsonType', schema.bsonType, value))
  if (schema.type !== undefined) pushIf(failures, typeRule('type', schema.type, value))
  if (schema.enum && !(schema.enum as unknown[]).some((option) => valueKey(option) === valueKey(value))) fail('enum', 'value was not found in enum')
  if (isNumeric(value)) numberRules(schema, toNumber(value)!, fail)
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < toNumber(schema.minLength)!) fail('minLength', 'specified string length was not satisfied')
    if (schema.maxLength !== undefined && [...value].length > toNumber(schema.maxLength)!) fail('maxLength', 'specified string length was not satisfied')
    if (typeof schema.pattern === 'string' && !new SafeRegExp(schema.pattern, 'u').test(value)) fail('pattern', 'regular expression did not match')
  }
  if (Array.isArray(value)) arrayRules(schema, value, failures, fail)
  if (isObject(value) && !bsonType(value)) objectRules(schema, value, failures)
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[keyword] as Document[] | undefined
    if (!list) continue
    const passing = list.filter((sub) => schemaFailures(sub, value).length === 0).length
    if ((keyword === 'allOf' && passing < list.length) || (keyword === 'anyOf' && passing === 0) || (keyword === 'oneOf' && passing !== 1)) {
      failures.push({ operatorName: keyword, schemasNotSatisfied: list.map((sub, index) => ({ index, details: schemaFailures(sub, value) })).filter((entry) => entry.details.length) })
    }
  }
  if (schema.not && schemaFailures(schema.not as Document, value).length === 0) failures.push({ operatorName: 'not', specifiedAs: { not: schema.not }, reason: 'child schema matched' })
  return failures
}

function pushIf(list: Document[], entry: Document | undefined) {
  if (entry) list.push(entry)
}

function numberRules(schema: Document, number: number, fail: (keyword: string, reason: string) => void) {
  const min = toNumber(schema.minimum)
  const max = toNumber(schema.maximum)
  if (min !== undefined && (schema.exclusiveMinimum === true ? number <= min : number < min)) fail('minimum', 'comparison failed')
  if (max !== undefined && (schema.exclusiveMaximum === true ? number >= max : number > max)) fail('maximum', 'comparison failed')
  const step = toNumber(schema.multipleOf)
  if (step !== undefined && number % step !== 0) fail('multipleOf', 'considered value is not a multiple of the specified value')
}

function arrayRules(schema: Document, value: unknown[], failures: Document[], fail: (keyword: string, reason: string) => void) {
  if (schema.minItems !== undefined && value.length < toNumber(schema.minItems)!) fail('minItems', 'array did not match specified length')
  if (schema.maxItems !== undefined && value.length > toNumber(schema.maxItems)!) fail('maxItems', 'array did not match specified length')
  if (schema.uniqueItems === true) {
    const sorted = [...value].sort(compareValues)
    if (sorted.some((item, i) => i > 0 && compareValues(sorted[i - 1], item) === 0)) fail('uniqueItems', 'found a duplicate item')
  }
  if (isObject(schema.items)) {
    const itemsNotSatisfied = value.map((item, index) => ({ index, details: schemaFailures(schema.items as Document, item) })).filter((entry) => entry.details.length)
    if (itemsNotSatisfied.length) failures.push({ operatorName: 'items', reason: 'At least one item did not match the sub-schema', itemIndex: itemsNotSatisfied[0]!.index, details: itemsNotSatisfied[0]!.details })
  }
}

function objectRules(schema: Document, value: Document, failures: Document[]) {
  const required = schema.required as string[] | undefined
  const missing = required?.filter((name) => value[name] === undefined) ?? []
  if (missing.length) failures.push({ operatorName: 'required', specifiedAs: { required }, missingProperties: missing })
  const properties = (schema.properties as Document | undefined) ?? {}
  const propertiesNotSatisfied: Document[] = []
  for (const [name, sub] of Object.entries(properties)) {
    if (value[name] === undefined) continue
    const details = schemaFailures(sub as Document, value[name])
    if (details.length) propertiesNotSatisfied.push({ propertyName: name, ...((sub as Document).description ? { description: (sub as Document).description } : {}), details })
  }
  if (propertiesNotSatisfied.length) failures.push({ operatorName: 'properties', propertiesNotSatisfied })
  const count = Object.keys(value).length
  if (schema.minProperties !== undefined && count < toNumber(schema.minProperties)!) failures.push({ operatorName: 'minProperties', specifiedAs: { minProperties: schema.minProperties }, reason: 'specified number of properties was not satisfied', numberOfProperties: count })
  if (schema.maxProperties !== undefined && count > toNumber(schema.maxProperties)!) failures.push({ operatorName: 'maxProperties', specifiedAs: { maxProperties: schema.maxProperties }, reason: 'specified number of properties was not satisfied', numberOfProperties: count })
  if (schema.additionalProperties === undefined || schema.additionalProperties === true) return
  const patterns = Object.keys((schema.patternProperties as Document | undefined) ?? {}).map((source) => new SafeRegExp(source, 'u'))
  const extra = Object.keys(value).filter((name) => !(name in properties) && !patterns.some((pattern) => pattern.test(name)))
  if (schema.additionalProperties === false && extra.length) failures.push({ operatorName: 'additionalProperties', specifiedAs: { additionalProperties: false }, additionalProperties: extra })
  if (isObject(schema.additionalProperties)) {
    const bad = extra.filter((name) => schemaFailures(schema.additionalProperties as Document, value[name]).length)
    if (bad.length) failures.push({ operatorName: 'additionalProperties', reason: 'at least one additional property did not match the subschema', failingProperty: bad[0] })
  }
}
