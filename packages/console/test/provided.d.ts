// What the shared global setup provides to `inject()`.
declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string
  }
}
export {}
