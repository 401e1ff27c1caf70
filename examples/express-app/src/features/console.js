// The web console at /console: write, save to dev, promote, roll back, run, watch logs and latency, and test the db-proxy
// policy. It sits on the deploy feature's registry and executors; sign in with the admin token printed at start-up.
import { consoleRouter } from '@scraping-run/console'
import { appPolicy } from './proxy.js'

/** @param {import('../app.js').Demo} demo */
export async function consoleFeature(demo) {
  const deploy = demo.services.deploy
  if (!deploy) {
    console.log('console: no deploy feature (it needs MongoDB), so /console is not mounted')
    return
  }
  const proxy = demo.services.dbProxy
  demo.app.use(
    '/console',
    consoleRouter({
      registry: deploy.registry,
      env: deploy.env,
      environments: deploy.environments,
      ...(proxy ? { proxy: { policies: { app: appPolicy }, check: (name, request, user) => proxy.check(name, request, user) } } : {}),
      authenticate: { jwtSecret: demo.services.jwtSecret },
      title: 'scraping-run demo console',
    }),
  )
  demo.routes.push({ method: 'GET', path: '/console/', what: `the web console (open it in a browser; sign in with the admin token: ${demo.services.adminToken})` })
}

export default consoleFeature
