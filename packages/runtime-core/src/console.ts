// Kept so existing imports of '../console.js' keep working; the code lives in src/logs/.
export { createLogCollector, printLate, DEFAULT_MAX_LOG_BYTES, DEFAULT_MAX_LOG_LINES, type LogCollector } from './logs/collector.js'
export { consoleSink, type ConsoleSinkOptions } from './logs/console-sink.js'
export { memorySink, type MemorySink } from './logs/memory-sink.js'
