import type { FastifyInstance } from 'fastify'
import { ticketRejectedPage, ticketUsedPage } from '../../../pages/student-pages.ts'
import { parseErrorCodes } from '../../../protocol/callback.ts'
import { maskRun } from '../../../protocol/run.ts'
import { returnLocation } from '../../../sessions/apply-callback.ts'
import { type Launch, prepareLaunch, senceBaseFor } from '../../../sessions/prepare-launch.ts'
import type { CallbackResult } from '../../../sessions/session-status.ts'
import { renderAutopostPage, renderMessagePage } from '../../render-page.ts'
import type { GatewayServices } from '../../services.ts'
import { launchPageDirectives } from '../../security-headers.ts'
import { provenanceOf } from './provenance.ts'

/** GET /go/{ticket}: the page that sends the student's browser to SENCE. */
export async function launchRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const { settings } = services
  const senceOrigins = [
    new URL(senceBaseFor(settings, 'production')).origin,
    new URL(senceBaseFor(settings, 'test')).origin,
  ]

  // Link checkers and proxies send HEAD to the startUrl. Fastify handles
  // HEAD by running the GET handler, which would mark the ticket launched
  // and store a launch_page_served event although no browser left for
  // SENCE. So HEAD gets its own route, which reads and changes nothing.
  app.head('/go/:ticket', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send()
  })

  app.get<{ Params: { ticket: string } }>(
    '/go/:ticket',
    {
      exposeHeadRoute: false,
      helmet: {
        // The page's auto-submit script runs with this response's nonce.
        enableCSPNonces: true,
        contentSecurityPolicy: {
          useDefaults: false,
          directives: launchPageDirectives(senceOrigins),
        },
      },
    },
    async (request, reply) => {
      const launch = await prepareLaunch(
        services.db.prisma,
        services.secrets,
        settings,
        request.params.ticket,
        { provenance: provenanceOf(request) },
      )
      if (!launch.ok) {
        request.log.info(
          { sessionId: launch.session?.id ?? null, reason: launch.reason },
          'launch ticket rejected',
        )
        return renderMessagePage(reply, {
          ...rejectionPage(launch),
          reference: launch.session?.id ?? request.id,
        })
      }

      request.log.info(
        {
          sessionId: launch.session.id,
          operation: launch.operation,
          runAlumno: maskRun(launch.session.runAlumno),
        },
        'sending browser to SENCE',
      )
      const starting = launch.operation === 'IniciarSesion'
      return renderAutopostPage(reply, {
        title: starting
          ? 'Vamos a SENCE para registrar tu ingreso'
          : 'Vamos a SENCE para cerrar tu sesión',
        paragraphs: [
          starting
            ? 'Para que tu asistencia al curso quede registrada, SENCE debe confirmar tu ingreso con tu ClaveÚnica.'
            : 'Para que tu asistencia quede completa, SENCE debe confirmar el cierre de tu sesión con tu ClaveÚnica.',
          'Después volverás automáticamente a tu curso.',
        ],
        action: launch.action,
        fields: launch.fields,
        buttonLabel: 'Continuar a SENCE',
        claveUnicaHelp: true,
      })
    },
  )
}

/** Chooses the rejection page. A used ticket's page shows SENCE's response and links back with that result. */
function rejectionPage(launch: Extract<Launch, { ok: false }>) {
  const { ticket, session } = launch
  if (launch.reason !== 'used' || ticket === null || session === null || ticket.result === null)
    return ticketRejectedPage(launch.reason, ticket?.returnUrl ?? null)

  const result = ticket.result as CallbackResult
  const codes = ticket.glosaError === null ? [] : parseErrorCodes(ticket.glosaError)
  return ticketUsedPage(result, returnLocation(ticket.returnUrl, session.id, result, codes))
}
