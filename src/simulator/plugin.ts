// A stand-in for SENCE's two endpoints, mounted at /simulator when
// SENCE_SIMULATOR is on. It behaves as an outsider would: it shares only the
// protocol module with the gateway and never reads the gateway's database.
//
//   POST /simulator/rcetest/Registro/IniciarSesion (and CerrarSesion; and
//        the same under /simulator/rce/ with production's rules)
//   POST /simulator/claveunica: the stand-in ClaveÚnica page's form

import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { parseCallback, type RawForm } from '../protocol/callback.ts'
import type { Environment, Operation } from '../protocol/fields.ts'
import { checkRequestFields } from '../protocol/rules.ts'
import { normalizeRun, runProblem } from '../protocol/run.ts'
import { renderAutopostPage, renderMessagePage } from '../http/render-page.ts'
import { simulatorPageDirectives } from '../http/security-headers.ts'
import { isOfferedOutcome, renderClaveUnicaPage } from './claveunica-page.ts'
import { answerFields, type SimulatedRequest } from './sence-answers.ts'

export interface SimulatorOptions {
  /** `1`: approve at once, without the ClaveÚnica page. */
  autoApprove: boolean
}

const ENVIRONMENT_BY_PATH: Record<string, Environment> = { rcetest: 'test', rce: 'production' }
const OPERATIONS: readonly string[] = ['IniciarSesion', 'CerrarSesion']

export async function simulatorPlugin(
  app: FastifyInstance,
  options: SimulatorOptions,
): Promise<void> {
  app.removeAllContentTypeParsers()
  await app.register(formbody, { bodyLimit: 16 * 1024 })
  const pageOptions = {
    helmet: {
      // The auto-submitting answer page runs its script with this response's nonce.
      enableCSPNonces: true,
      contentSecurityPolicy: { useDefaults: false, directives: simulatorPageDirectives() },
    },
  }

  app.post<{ Params: { environment: string; operation: string } }>(
    '/:environment/Registro/:operation',
    pageOptions,
    async (request, reply) => {
      const environment = ENVIRONMENT_BY_PATH[request.params.environment]
      const operation = request.params.operation
      if (environment === undefined || !OPERATIONS.includes(operation)) return reply.callNotFound()

      // Requests are read as callbacks are: names and values trimmed.
      const fields = parseCallback((request.body ?? {}) as RawForm).fields
      const violations = checkRequestFields(fields, environment, operation as Operation)
      const { Token: _token, ...kept } = fields
      const simulated: SimulatedRequest = {
        environment,
        operation: operation as Operation,
        fields: kept,
      }

      // SENCE rejects a request by posting GlosaError to UrlError.
      // With no usable UrlError (201 or 203 on it) there is nowhere to post,
      // so the simulator shows the codes on a page of its own; a blank or
      // malformed UrlRetoma alone still goes back to UrlError.
      if (violations.some((violation) => violation.field === 'UrlError')) {
        request.log.info(
          { operation, environment, senceCodes: violations.map((v) => v.senceCode) },
          'simulator rejected request without a usable UrlError',
        )
        return renderMessagePage(
          reply,
          {
            status: 200,
            title: 'SENCE no pudo procesar la solicitud',
            paragraphs: [
              'La URL de error (UrlError) falta o no es válida, así que SENCE no puede devolver el resultado al curso.',
              ...violations.map((violation) => `${violation.senceCode}: ${violation.detail}`),
            ],
          },
          { simulation: true },
        )
      }
      if (violations.length > 0) {
        // Every broken rule's code, once each, in the manual's field order:
        // the gateway's 422 lists the same codes.
        const codes = [...new Set(violations.map((violation) => violation.senceCode))].join(';')
        request.log.info(
          { operation, environment, senceCodes: codes },
          'simulator rejected request',
        )
        return postBack(reply, simulated, codes)
      }
      if (options.autoApprove) return postBack(reply, simulated, null)
      return renderClaveUnicaPage(reply, simulated, null)
    },
  )

  app.post('/claveunica', pageOptions, async (request, reply) => {
    const form = parseCallback((request.body ?? {}) as RawForm).fields
    const simulated = decodeRequest(form['request'] ?? '')
    if (simulated === null) {
      return renderMessagePage(
        reply,
        {
          status: 400,
          title: 'Solicitud inválida',
          paragraphs: ['Falta el campo request de la simulación; vuelve a empezar desde el curso.'],
        },
        { simulation: true },
      )
    }

    const outcome = form['outcome'] ?? 'ok'
    if (outcome === 'abandon') {
      return renderMessagePage(
        reply,
        {
          status: 200,
          title: 'Saliste de ClaveÚnica',
          paragraphs: [
            'Como en SENCE, abandonar el ingreso no envía ninguna respuesta al curso: la sesión queda pendiente hasta que vence.',
          ],
        },
        { simulation: true },
      )
    }
    if (!isOfferedOutcome(simulated.operation, outcome)) {
      return renderMessagePage(
        reply,
        {
          status: 400,
          title: 'Respuesta inválida',
          paragraphs: [`"${outcome}" no es una respuesta que SENCE dé en este punto.`],
        },
        { simulation: true },
      )
    }

    // ClaveÚnica keeps a student who types an invalid RUN on its login page
    // and SENCE sends nothing back, as the manual states. The stand-in
    // accepts any password.
    const run = normalizeRun(form['run'] ?? '')
    if (runProblem(run) !== null) {
      return renderClaveUnicaPage(
        reply,
        simulated,
        `El RUN "${form['run'] ?? ''}" no es válido. Escríbelo con su dígito verificador, por ejemplo 12345678-5.`,
      )
    }
    // After the login, SENCE first compares the RUN of the person who logged
    // in with RunAlumno: a different one is 311, whatever else was chosen.
    if (run !== normalizeRun(simulated.fields['RunAlumno'] ?? ''))
      return postBack(reply, simulated, '311')
    return postBack(reply, simulated, outcome === 'ok' ? null : outcome)
  })
}

/** Sends the auto-posting page back to UrlRetoma (no error) or UrlError, as SENCE does. */
function postBack(reply: FastifyReply, simulated: SimulatedRequest, glosaError: string | null) {
  const target = glosaError === null ? simulated.fields['UrlRetoma'] : simulated.fields['UrlError']
  return renderAutopostPage(reply, {
    title:
      glosaError === null
        ? 'SENCE registró la operación'
        : `SENCE respondió con el error ${glosaError}`,
    paragraphs: ['Volviendo al curso…'],
    action: target ?? '',
    fields: answerFields(simulated, glosaError),
    buttonLabel: 'Volver al curso',
    simulation: true,
  })
}

function decodeRequest(encoded: string): SimulatedRequest | null {
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as SimulatedRequest
    const valid =
      (value.environment === 'test' || value.environment === 'production') &&
      OPERATIONS.includes(value.operation) &&
      typeof value.fields === 'object' &&
      value.fields !== null &&
      Object.values(value.fields).every((field) => typeof field === 'string')
    // The field comes back from the browser, so its URLs are checked again:
    // the page would otherwise auto-post to anything, javascript: included.
    const urlsUsable = ['UrlRetoma', 'UrlError'].every((name) =>
      isHttpUrl(value.fields?.[name] ?? ''),
    )
    return valid && urlsUsable ? value : null
  } catch {
    return null
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && value.length <= 100
  } catch {
    return false
  }
}
