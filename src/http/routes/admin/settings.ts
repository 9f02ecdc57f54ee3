import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { formatInstant } from '../../../pages/chile-time.ts'
import { InvalidOtecError } from '../../../otecs/otec-input.ts'
import { updateOtec } from '../../../otecs/update-otec.ts'
import { API_KEY_PREFIXES } from '../../../security/random-tokens.ts'
import { verifyPassword } from '../../../staff/password-hash.ts'
import {
  createEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
} from '../../../webhooks/endpoints.ts'
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/record-event.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { type FieldValue, readFieldInto } from './form-fields.ts'
import { renderAdminMessage, renderAdminPage } from './render-admin.ts'
import { readSettingsForm, type SettingsBody, type SettingsFormValues } from './settings-form.ts'

/** Notices shown after a redirect, by a fixed key, so that no text of the URL reaches the page. */
const NOTICES: Record<string, string> = {
  saved: 'Los cambios quedaron guardados.',
  enabled: 'El endpoint quedó activo.',
  disabled: 'El endpoint quedó desactivado; sus entregas pendientes se marcaron como fallidas.',
  tested: 'Se envió un evento webhook.test al endpoint; su entrega aparece en Webhooks.',
}

interface EndpointBody {
  url?: FieldValue
  /** Checkboxes: one value per ticked event type. */
  eventTypes?: FieldValue
  action?: FieldValue
}

/**
 * GET and POST /admin/settings (environment, return origins, maximum
 * length, the write-only SENCE Token), and the OTEC's webhook endpoints:
 * POST /admin/settings/webhooks (create) and /admin/settings/webhooks/{id}
 * (enable, disable, test, rotate the secret).
 */
export async function settingsPageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db
  const endpointSettings = {
    webhookAllowPrivateTargets: services.settings.webhookAllowPrivateTargets,
  }

  const showSettings = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: {
      notice?: string | null
      problems?: string[]
      form?: SettingsFormValues
      status?: number
    } = {},
  ) => {
    const staff = staffOf(request)
    const otec = await prisma.otec.findUniqueOrThrow({ where: { id: staff.otecId } })
    const otherPrefix = API_KEY_PREFIXES[otec.environment === 'production' ? 'test' : 'production']
    const [endpoints, keysOfOtherEnvironment] = await Promise.all([
      listEndpoints(prisma, otec.id),
      prisma.apiKey.count({
        where: { otecId: otec.id, revokedAt: null, prefix: { startsWith: otherPrefix } },
      }),
    ])
    return renderAdminPage(reply, 'settings', {
      title: 'Configuración',
      section: 'settings',
      status: extra.status ?? 200,
      notice: extra.notice ?? null,
      problems: extra.problems ?? [],
      // The SENCE Token never leaves the database here: the form only replaces it.
      form: {
        name: extra.form?.name ?? otec.name,
        environment: extra.form?.environment ?? otec.environment,
        returnOrigins: extra.form?.returnOrigins ?? otec.returnOrigins.join('\n'),
        maxSessionMinutes: extra.form?.maxSessionMinutes ?? String(otec.maxSessionMinutes),
      },
      rut: otec.rut,
      updatedAt: formatInstant(otec.updatedAt),
      keysOfOtherEnvironment,
      eventTypes: WEBHOOK_EVENT_TYPES,
      endpoints: endpoints.map((endpoint) => ({
        id: endpoint.id,
        url: endpoint.url,
        enabled: endpoint.enabled,
        disabledReason: endpoint.disabledReason,
        eventTypes: endpoint.eventTypes.length === 0 ? 'todos' : endpoint.eventTypes.join(', '),
        createdAt: formatInstant(endpoint.createdAt),
      })),
    })
  }

  app.get<{ Querystring: { notice?: string } }>(
    '/settings',
    { schema: { hide: true } },
    async (request, reply) =>
      showSettings(request, reply, { notice: NOTICES[request.query.notice ?? ''] ?? null }),
  )

  app.post<{ Body: SettingsBody }>(
    '/settings',
    { schema: { hide: true } },
    async (request, reply) => {
      const staff = staffOf(request)
      const body = request.body ?? {}
      const read = readSettingsForm(body)
      if (!read.ok)
        return showSettings(request, reply, {
          problems: read.problems,
          form: read.form,
          status: 422,
        })
      // A password manager may fill the Token field with the dashboard
      // password it saved for this site; SENCE would then reject every login.
      const { senceToken } = read.input
      if (senceToken !== undefined && (await verifyPassword(senceToken, staff.passwordHash))) {
        request.log.info(
          { staffId: staff.id },
          'settings rejected: Token equals the staff password',
        )
        return showSettings(request, reply, {
          problems: [
            'El Token de SENCE que llegó es su contraseña de este panel, probablemente escrita por el administrador de contraseñas del navegador. No se guardó nada: borre el campo Token, o escriba el Token que SENCE le dio al OTEC, y guarde de nuevo.',
          ],
          form: read.form,
          status: 422,
        })
      }
      try {
        await updateOtec(prisma, services.secrets, staff.otecId, read.input)
      } catch (error) {
        if (!(error instanceof InvalidOtecError)) throw error
        return showSettings(request, reply, {
          problems: error.problems.map((problem) => problem.detail),
          form: read.form,
          status: 422,
        })
      }
      request.log.info(
        {
          environment: read.input.environment,
          returnOrigins: read.input.returnOrigins,
          senceTokenChanged: read.input.senceToken !== undefined,
        },
        'OTEC settings changed from the dashboard',
      )
      return reply.redirect('/admin/settings?notice=saved', 303)
    },
  )

  app.post<{ Body: EndpointBody }>(
    '/settings/webhooks',
    { schema: { hide: true } },
    async (request, reply) => {
      const staff = staffOf(request)
      const problems: string[] = []
      const url = readFieldInto(request.body?.url, 'URL del endpoint', problems)
      // One checkbox per event type, so eventTypes may repeat; each value is read on its own.
      const eventTypes: string[] = []
      for (const type of [request.body?.eventTypes ?? []].flat()) {
        const value = readFieldInto(type, 'Eventos', problems)
        if (value !== '') eventTypes.push(value)
      }
      if (problems.length > 0) return showSettings(request, reply, { problems, status: 422 })
      const created = await createEndpoint(
        prisma,
        services.secrets,
        endpointSettings,
        staff.otecId,
        { url, eventTypes },
      )
      if (!created.ok)
        return showSettings(request, reply, {
          problems:
            created.reason === 'invalid' ? created.problems.map((problem) => problem.detail) : [],
          status: 422,
        })
      const { endpoint, secret } = created.value
      request.log.info({ endpointId: endpoint.id }, 'webhook endpoint created from the dashboard')
      return showSecret(reply, endpoint.url, secret, 'creado')
    },
  )

  app.post<{ Params: { id: string }; Body: EndpointBody }>(
    '/settings/webhooks/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const staff = staffOf(request)
      const { id } = request.params
      const action = request.body?.action
      if (action === 'rotate') {
        const rotated = await rotateEndpointSecret(prisma, services.secrets, staff.otecId, id)
        if (!rotated.ok) return endpointNotFound(reply, id)
        request.log.info({ endpointId: id }, 'webhook secret rotated from the dashboard')
        return showSecret(reply, rotated.value.endpoint.url, rotated.value.secret, 'rotado')
      }
      if (action === 'test') {
        const tested = await sendTestEvent(prisma, staff.otecId, id)
        if (tested.ok) return reply.redirect('/admin/settings?notice=tested', 303)
        if (tested.reason === 'disabled')
          return renderAdminMessage(reply, 409, 'El endpoint está desactivado', [
            'Actívelo antes de enviarle un evento de prueba.',
          ])
        return endpointNotFound(reply, id)
      }
      if (action === 'enable' || action === 'disable') {
        const updated = await updateEndpoint(prisma, endpointSettings, staff.otecId, id, {
          enabled: action === 'enable',
        })
        if (!updated.ok) return endpointNotFound(reply, id)
        request.log.info({ endpointId: id, action }, 'webhook endpoint changed from the dashboard')
        return reply.redirect(`/admin/settings?notice=${action}d`, 303)
      }
      return renderAdminMessage(reply, 400, 'Acción desconocida', [
        'Use los botones de la página de configuración.',
      ])
    },
  )
}

/** Shows a new webhook secret, this once: it is sealed in the database and never shown again. */
function showSecret(reply: FastifyReply, url: string, secret: string, verb: string) {
  return renderAdminPage(reply, 'webhook-secret', {
    title: `Secreto del webhook ${verb}`,
    section: 'settings',
    url,
    secret,
  })
}

function endpointNotFound(reply: FastifyReply, id: string) {
  return renderAdminMessage(reply, 404, 'Endpoint no encontrado', [
    `Este OTEC no tiene un endpoint de webhook con el id ${id}.`,
  ])
}
