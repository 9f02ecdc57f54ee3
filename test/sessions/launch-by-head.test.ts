// Link checkers and proxies send HEAD requests to a startUrl. Fastify
// handles HEAD by running the GET handler unless the route turns that off, which
// would set the ticket's launchedAt and store a launch_page_served event
// although no browser left for SENCE. The check that rejects a callback
// for a ticket whose launch page was never served would then no longer
// apply, and the start's FechaHora would be trusted from 5 minutes before
// the HEAD instead of before the student's real launch.

import t from 'tap'
import { gatewayPath } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { pendingIntent, readSession } from '../helpers/sessions.ts'

t.test('HEAD on the launch page', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)

  const head = await gateway.app.inject({ method: 'HEAD', url: gatewayPath(intent.startUrl) })
  t.equal(head.body, '', 'the HEAD response has no body')

  const session = await readSession(gateway, intent.id)
  t.equal(session.tickets[0]?.launchedAt, null, 'the ticket does not count as launched')
  t.notOk(
    session.events.some((event) => event.type === 'launch_page_served'),
    'no launch_page_served event is stored',
  )
})
