import * as core from './dist/index.js'
const executor = core.createExecutor({ store: core.memoryStore([{ name: 'hello', source: 'export default async (ctx) => ({ ok: true, n: ctx.body.n })' }]), sandbox: core.isolateSandbox({ warmIsolates: 1 }) })
for (let i = 0; i < 500; i++) await executor.invoke('hello', { body: { n: 1 } })
for (let r = 0; r < 3; r++) {
  const c1 = process.cpuUsage(); const t = performance.now()
  for (let i = 0; i < 3000; i++) await executor.invoke('hello', { body: { n: 1 } })
  const c2 = process.cpuUsage(c1)
  console.log('in-process invoke CPU µs/call', ((c2.user + c2.system) / 3000).toFixed(1), 'wall', ((performance.now() - t) * 1000 / 3000).toFixed(1))
}
await executor.close()
