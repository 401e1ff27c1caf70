import { readFileSync } from 'node:fs'

/** The error codes listed in a README's table (rows that start with a back-quoted upper-case code). */
export function readmeErrorCodes(readmePath: string | URL): string[] {
  const text = readFileSync(readmePath, 'utf8')
  return [...text.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((match) => match[1]!)
}
