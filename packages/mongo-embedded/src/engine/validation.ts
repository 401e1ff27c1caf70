// Collection validators: `validator` (query operators and/or `$jsonSchema`), `validationLevel` (strict, moderate, off) and
// `validationAction` (error, warn), checked on every insert, update and replace, with MongoDB's 121 and errInfo.
import type { Document } from 'bson'
import { badValue, CommandError } from './errors.js'
import { compileFilter } from './mingo.js'
import { checkSchema, schemaFailures } from './schema.js'
import { toView, viewOf } from './values.js'

const LEVELS = ['off', 'strict', 'moderate']
const ACTIONS = ['error', 'warn', 'errorAndLog']

/** Refuses bad validator options at create/collMod, as MongoDB does. */
export function checkValidatorOptions(options: Document): void {
  if (options.validationLevel !== undefined && !LEVELS.includes(options.validationLevel as string)) {
    throw badValue(`Enumeration value '${String(options.validationLevel)}' for field 'validationLevel' is not a valid value.`)
  }
  if (options.validationAction !== undefined && !ACTIONS.includes(options.validationAction as string)) {
    throw badValue(`Enumeration value '${String(options.validationAction)}' for field 'validationAction' is not a valid value.`)
  }
  const validator = options.validator as Document | undefined
  if (validator === undefined) return
  if (validator === null || typeof validator !== 'object' || Array.isArray(validator)) throw new CommandError(14, 'TypeMismatch', 'validator must be an object')
  if (validator.$jsonSchema !== undefined) checkSchema(validator.$jsonSchema)
  const { $jsonSchema: _, ...rest } = validator
  try {
    compileFilter(toView(rest) as Document)
  } catch (error) {
    throw badValue((error as Error).message)
  }
}

/** Why a document fails a validator, or undefined when it passes. */
function failure(validator: Document, document: Document): Document | undefined {
  const { $jsonSchema: schema, ...rest } = validator
  const schemaRulesNotSatisfied = schema ? schemaFailures(schema as Document, document) : []
  if (schemaRulesNotSatisfied.length) return { operatorName: '$jsonSchema', schemaRulesNotSatisfied }
  if (Object.keys(rest).length && !compileFilter(toView(rest) as Document)(viewOf(document))) {
    return { operatorName: '$and', specifiedAs: rest, reason: 'the document did not match the validator expression' }
  }
  return undefined
}

/**
 * Throws DocumentValidationFailure (121) when `document` fails the collection's validator. With `moderate`, an update of
 * a document that already failed is let through; `warn` only lets it through; `bypassDocumentValidation` skips the check.
 */
export function validateWrite(options: Document, document: Document, before: Document | undefined, command: Document): void {
  const validator = options.validator as Document | undefined
  if (!validator || Object.keys(validator).length === 0 || command.bypassDocumentValidation === true) return
  const level = (options.validationLevel as string | undefined) ?? 'strict'
  if (level === 'off') return
  const details = failure(validator, document)
  if (!details) return
  if (level === 'moderate' && before && failure(validator, before)) return
  if (options.validationAction === 'warn') return
  throw new CommandError(121, 'DocumentValidationFailure', 'Document failed validation', { errInfo: { failingDocumentId: document._id, details } })
}
