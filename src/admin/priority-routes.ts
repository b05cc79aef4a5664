/**
 * The admin API's priority route, over `DaemonApi.priority`:
 * `GET /v1/priority?region=R&top=N`, the daemon's last scoring round (the
 * layers with demand in R when given, the first N). Priority errors get
 * their statuses here (PRIORITY_ERROR_STATUS).
 */
import type { PriorityApi } from '../daemon/api.js'
import { PRIORITY_MAX_TOP } from '../predict/service/constants.js'
import { errorName } from './error-status.js'
import { errorBody } from './http.js'
import { integer, query } from './params.js'
import { requireRegion } from './quorum-routes.js'
import type { Route, RouteContext } from './routes.js'

/** This daemon scores no priorities: it runs with `--priority off`. */
export class PriorityDisabledError extends Error {
  override name = 'PriorityDisabledError' as const
}

/** Statuses of the priority errors, matched by name like `errorStatus` does. */
export const PRIORITY_ERROR_STATUS: Readonly<Record<string, number>> = {
  PriorityDisabledError: 404,
  InvalidPriorityQueryError: 400
}

function priority (ctx: RouteContext): PriorityApi {
  if (ctx.api.priority == null) throw new PriorityDisabledError('this daemon scores no layer priorities: it runs with --priority off')
  return ctx.api.priority
}

export const PRIORITY_ROUTES: readonly Route[] = [
  {
    method: 'GET', path: '/v1/priority', kind: 'json',
    handle: async ctx => {
      try {
        const q = query(ctx.url, ['region', 'top'])
        const region = q.get('region')
        if (region != null) requireRegion(region)
        const top = integer(q.get('top'), 'top', 1, PRIORITY_MAX_TOP, 'the number of layers')
        return { json: await priority(ctx).round({ ...(region != null ? { region } : {}), ...(top != null ? { top } : {}), signal: ctx.signal }) }
      } catch (err) {
        const status = PRIORITY_ERROR_STATUS[errorName(err)]
        if (status == null) throw err
        return { status, json: errorBody(err) }
      }
    }
  }
]
