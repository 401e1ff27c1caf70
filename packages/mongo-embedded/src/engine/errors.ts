// Errors sent back to the client as `{ok: 0, code, codeName, errmsg}`; never thrown out of the server.

export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly labels: string[] = [],
  ) {
    super(message)
  }
}

export const badValue = (message: string) => new CommandError(2, 'BadValue', message)
export const typeMismatch = (message: string) => new CommandError(14, 'TypeMismatch', message)
export const invalidNamespace = (message: string) => new CommandError(73, 'InvalidNamespace', message)
export const namespaceNotFound = (message: string) => new CommandError(26, 'NamespaceNotFound', message)
export const writeConflict = () =>
  new CommandError(
    112,
    'WriteConflict',
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
    {},
    ['TransientTransactionError'],
  )
