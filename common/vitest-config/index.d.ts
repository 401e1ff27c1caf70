import type { UserConfig } from 'vitest/config'

export declare const workspaceEntries: Array<[name: string, file: string]>
export declare const repoRoot: string
export declare function defineProjectConfig(overrides?: UserConfig): UserConfig
