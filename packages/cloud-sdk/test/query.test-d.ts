// Compile-time checks of the builder's public types (run by `tsc --noEmit`, the package's typecheck).
import { createDatabase, type AddRes, type CountRes, type Db, type DbTransport, type GetOneRes, type GetRes, type RemoveRes, type UpdateRes } from '@scraping-run/cloud'
import { createCloudClient, type CloudClient } from '@scraping-run/cloud/client'
import type { DbRequest, DbResponse, ReadResult } from '@scraping-run/cloud/protocol'
import { expectTypeOf } from 'vitest'

interface Post {
  title: string
  likes: number
}

declare const transport: DbTransport
expectTypeOf(transport.send).parameter(0).toEqualTypeOf<DbRequest>()
expectTypeOf(transport.send).returns.resolves.toEqualTypeOf<DbResponse>()

const db = createDatabase(transport)
expectTypeOf(db).toEqualTypeOf<Db>()
const posts = db.collection<Post>('posts')
expectTypeOf(posts.where({ likes: db.command.gt(1) }).get()).resolves.toEqualTypeOf<GetRes<Post>>()
expectTypeOf(posts.get()).resolves.toHaveProperty('total').toEqualTypeOf<number | undefined>()
expectTypeOf<GetRes<Post>['data'][number]['title']>().toEqualTypeOf<string>()
expectTypeOf(posts.getOne()).resolves.toEqualTypeOf<GetOneRes<Post>>()
expectTypeOf(posts.doc('id').get()).resolves.toEqualTypeOf<GetOneRes<Post>>()
expectTypeOf(posts.count()).resolves.toEqualTypeOf<CountRes>()
expectTypeOf(posts.add({ title: 'x' })).resolves.toEqualTypeOf<AddRes>()
expectTypeOf(posts.update({ likes: db.command.inc(1) }, { multi: true })).resolves.toEqualTypeOf<UpdateRes>()
expectTypeOf(posts.remove({ multi: true })).resolves.toEqualTypeOf<RemoveRes>()
expectTypeOf(posts.aggregate<{ total: number }>().match({}).end()).resolves.toHaveProperty('data').toEqualTypeOf<{ total: number }[]>()
expectTypeOf<ReadResult['list']>().toEqualTypeOf<Record<string, unknown>[]>()

const client = createCloudClient({ baseUrl: 'https://x', getToken: async () => null })
expectTypeOf(client).toEqualTypeOf<CloudClient>()
expectTypeOf(client.database()).toEqualTypeOf<Db>()
expectTypeOf(client.invoke<{ ok: boolean }>('f')).resolves.toEqualTypeOf<{ ok: boolean }>()
// @ts-expect-error: the policy name is a string
createCloudClient({ baseUrl: 'https://x', policy: 1 })
