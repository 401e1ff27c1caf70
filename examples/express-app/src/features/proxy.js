// The database proxy: browsers read and write MongoDB directly through `POST /proxy/:policy`, checked by the policy `app`
// below, and the page at `/` uses the browser client from `@scraping-run/cloud/client` to list and add posts.
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { getToken } from '@scraping-run/cloud'
import { createDbProxy } from '@scraping-run/db-proxy'
import { dbProxyRouter } from '@scraping-run/db-proxy/express'

/** Anyone reads posts; signed-in users add them as themselves; only the author edits or removes one. */
export const appPolicy = {
  posts: {
    read: true,
    count: true,
    add: {
      condition: 'has(auth.uid)',
      data: {
        title: { required: true, length: [1, 100] },
        body: { length: [0, 2000] },
        author: { required: true, condition: 'value == auth.uid' },
        createdAt: {},
      },
    },
    update: { condition: 'has(auth.uid) && query.author == auth.uid', data: { title: { length: [1, 100] }, body: { length: [0, 2000] } } },
    remove: 'has(auth.uid) && query.author == auth.uid',
  },
}

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

/** @param {import('../app.js').Demo} demo */
export async function proxyFeature(demo) {
  const db = demo.services.mongo?.db
  if (!db) {
    console.log('demo: no MongoDB service, so the database proxy (/proxy/:policy) and the posts page are skipped')
    return
  }
  const jwtSecret = (demo.services.jwtSecret ??= process.env.JWT_SECRET ?? 'scraping-run-demo-secret')
  const proxy = createDbProxy({ db, policies: { app: appPolicy } })
  demo.services.dbProxy = proxy

  // Demo sign-in: any name gets a token. A real app signs tokens after checking a password or an identity provider.
  demo.app.post('/demo/token', express.json(), (req, res) => {
    const uid = typeof req.body?.uid === 'string' ? req.body.uid.trim() : ''
    if (!/^[\w.-]{1,32}$/.test(uid)) return void res.status(400).json({ error: 'send {"uid": "<1-32 letters, digits, . _ ->"}' })
    res.json({ uid, token: getToken({ uid }, { secret: jwtSecret, expiresIn: '1d' }) })
  })
  demo.app.use('/proxy', dbProxyRouter(proxy, { jwtSecret }))

  // The browser client straight from the built package: its ES modules, plus bson's browser build for the import map.
  const cloudDist = join(dirname(require.resolve('@scraping-run/cloud/package.json')), 'dist')
  const bsonBrowser = join(dirname(createRequire(join(cloudDist, '..', 'package.json')).resolve('bson')), 'bson.mjs')
  if (existsSync(join(cloudDist, 'client.js'))) {
    demo.app.use('/vendor/cloud', express.static(cloudDist))
    // `dotfiles: 'allow'` because pnpm keeps packages under node_modules/.pnpm.
    demo.app.get('/vendor/bson.mjs', (_req, res) => res.type('text/javascript').sendFile(bsonBrowser, { dotfiles: 'allow' }))
  } else {
    console.log('demo: @scraping-run/cloud is not built, so the posts page cannot load its client; run `pnpm build` first')
  }
  demo.app.use(express.static(join(here, '..', '..', 'public')))

  demo.routes.push(
    { method: 'GET', path: '/', what: 'a page that lists and adds posts with createCloudClient (open it in a browser)' },
    {
      method: 'POST',
      path: '/demo/token',
      what: 'a demo JWT for {"uid"}, to sign the proxy requests',
      try: `curl -s -X POST $BASE/demo/token -H 'content-type: application/json' -d '{"uid":"alice"}'`,
    },
    {
      method: 'POST',
      path: '/proxy/:policy',
      what: 'the database proxy (policy "app": public read of posts, signed-in add, owner-only update and remove)',
      try: `curl -s -X POST $BASE/proxy/app -H 'content-type: application/json' -d '{"action":"database.queryDocument","collectionName":"posts","limit":5}'`,
    },
    {
      method: 'POST',
      path: '/proxy/app',
      what: 'add a post as alice',
      try:
        `TOKEN=$(curl -s -X POST $BASE/demo/token -H 'content-type: application/json' -d '{"uid":"alice"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token') && ` +
        `curl -s -X POST $BASE/proxy/app -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' ` +
        `-d '{"action":"database.addDocument","collectionName":"posts","data":{"title":"Hello","author":"alice"}}'`,
    },
  )
}

export default proxyFeature
