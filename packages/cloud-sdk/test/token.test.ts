import jwt from 'jsonwebtoken'
import { afterEach, describe, expect, it } from 'vitest'
import { CloudError, createTokenHelpers, getToken, parseToken, setCloudProvider, cloud } from '@scraping-run/cloud'

const secret = 'test-secret-1'

let restore: (() => void) | undefined
afterEach(() => {
  restore?.()
  restore = undefined
})

describe('getToken / parseToken with an explicit secret', () => {
  it('round-trips a payload', () => {
    const token = getToken({ uid: 'u1', role: 'admin' }, { secret })
    const payload = parseToken(token, { secret })
    expect(payload).toMatchObject({ uid: 'u1', role: 'admin' })
    expect(typeof payload!.exp).toBe('number')
  })

  it('accepts a Bearer prefix', () => {
    const token = getToken({ uid: 'u1' }, { secret })
    expect(parseToken(`Bearer ${token}`, { secret })).toMatchObject({ uid: 'u1' })
  })

  it('signs with HS256 and expires after 7 days by default', () => {
    const token = getToken({ uid: 'u1' }, { secret })
    const decoded = jwt.decode(token, { complete: true })!
    expect(decoded.header.alg).toBe('HS256')
    const payload = decoded.payload as { iat: number; exp: number }
    expect(payload.exp - payload.iat).toBe(7 * 24 * 3600)
  })

  it('honours expiresIn and a payload exp', () => {
    const short = jwt.decode(getToken({ uid: 'u1' }, { secret, expiresIn: 60 })) as { iat: number; exp: number }
    expect(short.exp - short.iat).toBe(60)
    const exp = Math.floor(Date.now() / 1000) + 120
    expect((jwt.decode(getToken({ uid: 'u1', exp }, { secret })) as { exp: number }).exp).toBe(exp)
  })

  it('returns null for an expired token', () => {
    const token = getToken({ uid: 'u1', exp: Math.floor(Date.now() / 1000) - 10 }, { secret })
    expect(parseToken(token, { secret })).toBeNull()
  })

  it('returns null for a token signed with another secret', () => {
    const token = getToken({ uid: 'u1' }, { secret: 'other-secret' })
    expect(parseToken(token, { secret })).toBeNull()
  })

  it('returns null for an unsigned alg:none token', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
    const body = Buffer.from(JSON.stringify({ uid: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 })).toString('base64url')
    expect(parseToken(`${header}.${body}.`, { secret })).toBeNull()
    expect(parseToken(`${header}.${body}`, { secret })).toBeNull()
  })

  it('returns null for a token signed with another algorithm', () => {
    const token = jwt.sign({ uid: 'u1' }, secret, { algorithm: 'HS512' })
    expect(parseToken(token, { secret })).toBeNull()
  })

  it.each([['not-a-jwt'], [''], ['a.b.c'], [null], [undefined], [42 as any]])('returns null for malformed input %j', (token) => {
    expect(parseToken(token, { secret })).toBeNull()
  })

  it('refuses a payload that is not an object', () => {
    expect(() => getToken('x' as any, { secret })).toThrowError(CloudError)
  })
})

describe('secrets', () => {
  it('needs a secret when no runtime is installed', () => {
    expect(() => getToken({ uid: 'u1' })).toThrowError(/needs a secret/)
    try {
      parseToken('x')
    } catch (error) {
      expect(CloudError.is(error, 'MISSING_SECRET')).toBe(true)
    }
    expect(() => parseToken('x')).toThrowError(CloudError)
  })

  it('uses the runtime secret by default and honours an explicit one (LAF dropped it)', () => {
    const helpers = createTokenHelpers('runtime-secret')
    restore = setCloudProvider(() => ({ ...helpers }) as any)

    const byRuntime = cloud.getToken({ uid: 'u1' })
    expect(parseToken(byRuntime, { secret: 'runtime-secret' })).toMatchObject({ uid: 'u1' })
    expect(cloud.parseToken(byRuntime)).toMatchObject({ uid: 'u1' })
    expect(parseToken(byRuntime)).toMatchObject({ uid: 'u1' })

    const custom = cloud.getToken({ uid: 'u2' }, { secret: 'custom-secret' })
    expect(cloud.parseToken(custom)).toBeNull()
    expect(cloud.parseToken(custom, { secret: 'custom-secret' })).toMatchObject({ uid: 'u2' })
    expect(getToken({ uid: 'u3' }, { secret: 'custom-secret' })).not.toBe(getToken({ uid: 'u3' }))
  })
})
