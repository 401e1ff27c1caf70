// The browser side of the demo: the query builder over POST /proxy/app, with a demo JWT from /demo/token.
import { createCloudClient } from '/vendor/cloud/client.js'

const $ = (id) => document.getElementById(id)
let session = JSON.parse(localStorage.getItem('demo-session') ?? 'null')

const cloud = createCloudClient({ baseUrl: location.origin, policy: 'app', getToken: () => session?.token })
const db = cloud.database()
const posts = db.collection('posts')

function show(message) {
  $('status').textContent = message ?? ''
}

function describe(result) {
  if (Array.isArray(result.error)) return result.error.map((e) => e.message).join('; ')
  return String(result.error ?? result.code)
}

async function refresh() {
  const result = await posts.orderBy('createdAt', 'desc').page({ current: 1, size: 20 }).get()
  if (!result.ok) return show(`could not load posts: ${describe(result)}`)
  const list = $('posts')
  list.replaceChildren()
  for (const post of result.data) {
    const item = document.createElement('li')
    const title = document.createElement('strong')
    title.textContent = post.title
    const body = document.createElement('div')
    body.textContent = post.body ?? ''
    const meta = document.createElement('div')
    meta.className = 'meta'
    meta.textContent = `by ${post.author}${post.createdAt ? ` · ${new Date(post.createdAt).toLocaleString()}` : ''}`
    item.append(title, body, meta)
    if (session && post.author === session.uid) {
      const remove = document.createElement('button')
      remove.textContent = 'Delete'
      remove.onclick = async () => {
        const removed = await posts.where({ _id: post._id, author: session.uid }).remove()
        if (!removed.ok) show(`not removed: ${describe(removed)}`)
        await refresh()
      }
      meta.append(' ', remove)
    }
    list.append(item)
  }
  $('who').textContent = `${result.total} post(s).` + (session ? ` Signed in as ${session.uid}.` : ' Sign in to add one.')
}

function signedIn() {
  $('add').hidden = !session
}

$('signin').onsubmit = async (event) => {
  event.preventDefault()
  const response = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uid: $('uid').value }) })
  const answer = await response.json()
  if (!response.ok) return show(answer.error)
  session = answer
  localStorage.setItem('demo-session', JSON.stringify(session))
  signedIn()
  show()
  await refresh()
}

$('add').onsubmit = async (event) => {
  event.preventDefault()
  const result = await posts.add({ title: $('title').value, body: $('body').value, author: session.uid, createdAt: new Date() })
  if (!result.ok) return show(`not added: ${describe(result)}`)
  $('title').value = ''
  $('body').value = ''
  show()
  await refresh()
}

signedIn()
refresh().catch((error) => show(error.message))
