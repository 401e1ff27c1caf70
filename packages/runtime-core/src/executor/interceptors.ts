import { RuntimeError } from '../errors.js'

type Link<C> = (ctx: C, next: () => Promise<unknown>) => unknown

/**
 * Onion composition: each link gets `next()` to run the rest of the chain; what the outermost link returns is the result.
 * Calling `next()` twice in one link is refused, because it would run the function twice.
 */
export function compose<C>(links: Array<Link<C>>, final: (ctx: C) => Promise<unknown>): (ctx: C) => Promise<unknown> {
  return (ctx) => {
    let lastIndex = -1
    const dispatch = async (index: number): Promise<unknown> => {
      if (index <= lastIndex) throw new RuntimeError('NEXT_CALLED_TWICE', 'an interceptor called next() more than once')
      lastIndex = index
      if (index === links.length) return final(ctx)
      return links[index]!(ctx, () => dispatch(index + 1))
    }
    return dispatch(0)
  }
}
