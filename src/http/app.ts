// The fastify application: plugins first, then the routes by audience (the
// LMS's REST API, the student's browser, the simulator, the staff's
// dashboard and the session widget). Routes translate
// between HTTP and the session use cases and hold no rules of their own.

import { fileURLToPath } from 'node:url'
import accepts from '@fastify/accepts'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import view from '@fastify/view'
import { Eta } from 'eta'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import {
  badBrowserRequestPage,
  internalErrorPage,
  ticketRejectedPage,
} from '../pages/student-pages.ts'
import { AccessLogController, instrumentHttp } from '../observability/http-instrumentation.ts'
import { simulatorPlugin } from '../simulator/plugin.ts'
import { apiErrorHandler } from './api-error-handler.ts'
import { acceptJsonBodies, rejectNulInUrl } from './api-input.ts'
import { authenticateAdmin, authenticateApiKey } from './authenticate.ts'
import { registerOpenApi } from './openapi.ts'
import { sendProblem } from './problem.ts'
import {
  byBearerToken,
  byClientIp,
  RateLimitedError,
  rateLimitedPage,
  rateLimitHook,
  registerRateLimit,
} from './rate-limits.ts'
import { renderMessagePage } from './render-page.ts'
import { senceErrorRoutes } from './routes/api/sence-errors.ts'
import { requestIdGenerator } from './request-id.ts'
import { adminRoutes } from './routes/admin/index.ts'
import { adminApiKeyRoutes } from './routes/api/admin-api-keys.ts'
import { adminOtecRoutes } from './routes/api/admin-otecs.ts'
import { attendanceRoutes } from './routes/api/attendance.ts'
import { sessionListRoutes } from './routes/api/session-list.ts'
import { sessionRoutes } from './routes/api/sessions.ts'
import { webhookDeliveryRoutes } from './routes/api/webhook-deliveries.ts'
import { webhookEndpointRoutes } from './routes/api/webhook-endpoints.ts'
import { widgetTokenRoutes } from './routes/api/widget-tokens.ts'
import { callbackRoutes } from './routes/browser/callbacks.ts'
import { launchRoutes } from './routes/browser/launch.ts'
import { demoRoutes } from './routes/demo.ts'
import { healthRoutes } from './routes/health.ts'
import { widgetRoutes } from './routes/widget/session-widget.ts'
import { baseDirectives } from './security-headers.ts'
import { assetUrls, registerStaticAssets } from './static-assets.ts'
import type { Settings } from '../config/settings.ts'
import type { GatewayServices } from './services.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app, HEAD routes included, for checks such as the OpenAPI test's. */
    registeredRoutes: readonly RegisteredRoute[]
  }
}

export interface RegisteredRoute {
  method: string
  url: string
}

const TEMPLATES_DIR = fileURLToPath(new URL('../pages/templates/', import.meta.url))
const STATIC_DIR = fileURLToPath(new URL('../pages/static/', import.meta.url))

/** JSON bodies of the API: a session intent with its metadata fits many times over. */
const API_BODY_LIMIT_BYTES = 64 * 1024
/** Form bodies of SENCE's callbacks: eight short fields. */
const CALLBACK_BODY_LIMIT_BYTES = 16 * 1024

export async function buildApp(services: GatewayServices): Promise<FastifyInstance> {
  const { settings } = services
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    trustProxy: trustProxyOption(settings.trustProxy),
    // Taken from X-Request-Id only behind a trusted proxy; see request-id.ts.
    requestIdHeader: false,
    genReqId: requestIdGenerator(settings.trustProxy !== false),
    bodyLimit: API_BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    return503OnClosing: true,
    logController: new AccessLogController(),
    // A malformed URL or an overlong path segment, found before any route or hook runs.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id)
      request.log.info({ err: error }, 'unreadable URL')
      return sendProblem(reply, 'invalid-request', `The URL cannot be read (${error.code}).`)
    },
  })
  const routes: RegisteredRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url })
  })
  app.decorate('registeredRoutes', routes)
  instrumentHttp(app)

  await app.register(helmet, {
    // Only the auto-submitting pages carry a script, and their routes turn
    // nonces on (launch.ts, the simulator): two random values per JSON
    // response or redirect would be spent on nothing.
    enableCSPNonces: false,
    contentSecurityPolicy: { useDefaults: false, directives: baseDirectives() },
    // The student's browser posts across sites to SENCE and back: keep the
    // Referer out of it, since the ticket is in our URLs.
    referrerPolicy: { policy: 'no-referrer' },
  })
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await registerRateLimit(app)
  await app.register(accepts)
  await registerOpenApi(app, settings.publicBaseUrl)
  const assets = assetUrls(STATIC_DIR)
  await app.register(view, {
    engine: { eta: new Eta() },
    root: TEMPLATES_DIR,
    defaultContext: { assets },
    // Compiled templates are kept in memory: without this, @fastify/view
    // reads and compiles each page's template again on every response
    // unless NODE_ENV is production. NODE_ENV=development brings that back,
    // so that an edited template shows without a restart.
    production: process.env.NODE_ENV !== 'development',
  })
  await registerStaticAssets(app, STATIC_DIR, assets)

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/v1/'))
      return sendProblem(reply, 'not-found', `No route ${request.method} ${request.url}.`)
    return renderMessagePage(reply, ticketRejectedPage('unknown', null))
  })

  await app.register(async (api) => {
    acceptJsonBodies(api)
    api.setErrorHandler(apiErrorHandler)
    api.addHook('onRequest', rejectNulInUrl)
    api.addHook(
      'onRequest',
      rateLimitHook(api, [
        byClientIp(settings.rateLimitApiPerIpPerMinute),
        byBearerToken(settings.rateLimitPerKeyPerMinute),
      ]),
    )

    await api.register(async (otecApi) => {
      otecApi.addHook('onRequest', authenticateApiKey(services.db.prisma, settings.adminApiKey))
      await sessionRoutes(otecApi, services)
      await sessionListRoutes(otecApi, services)
      await attendanceRoutes(otecApi, services)
      await senceErrorRoutes(otecApi)
      await webhookEndpointRoutes(otecApi, services)
      await webhookDeliveryRoutes(otecApi, services)
      await widgetTokenRoutes(otecApi, services)
    })
    await api.register(async (adminApi) => {
      adminApi.addHook('onRequest', authenticateAdmin(settings.adminApiKey))
      await adminOtecRoutes(adminApi, services)
      await adminApiKeyRoutes(adminApi, services)
    })
  })

  await app.register(async (browser) => {
    browser.removeAllContentTypeParsers()
    await browser.register(formbody, { bodyLimit: CALLBACK_BODY_LIMIT_BYTES })
    // The callbacks (/cb) count in the same per-IP bucket as the launch
    // pages, although a course behind one school NAT posts them from one
    // address. Every callback writes rows, even one with an unknown ticket,
    // and this limit is what bounds a flood of forged posts. Starting a
    // session costs a student two requests here (the launch page and the
    // callback), and closing it two more, so the default of 300 a minute
    // lets about 150 students of one address start in the same minute.
    // Larger groups need a higher RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE, and
    // a gateway behind a proxy needs TRUST_PROXY. A rejected callback
    // changes nothing, and its page tells the student to reload, which
    // resends it.
    browser.addHook(
      'onRequest',
      rateLimitHook(browser, [byClientIp(settings.rateLimitBrowserPerIpPerMinute)]),
    )
    // NUL characters and other odd values in a callback are cleaned and stored
    // with the rejected or accepted event (src/sessions/session-events.ts),
    // so that every request leaves a record; they are not refused here.
    browser.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof RateLimitedError)
        return renderMessagePage(reply, rateLimitedPage(error.retryAfterSeconds))
      const status = error.statusCode ?? 500
      if (status >= 400 && status < 500) {
        request.log.info({ err: error }, 'unreadable browser request')
        return renderMessagePage(reply, badBrowserRequestPage(status))
      }
      request.log.error({ err: error }, 'browser request failed')
      return renderMessagePage(reply, internalErrorPage(request.id))
    })
    await launchRoutes(browser, services)
    await callbackRoutes(browser, services)
  })

  if (settings.simulator) {
    await app.register(simulatorPlugin, {
      prefix: '/simulator',
      autoApprove: settings.simulatorAutoApprove,
    })
  }

  const { demoOtecId } = services
  if (demoOtecId !== undefined) {
    await app.register(async (demo) => demoRoutes(demo, { ...services, demoOtecId }))
  }

  await adminRoutes(app, services)
  await widgetRoutes(app, services)
  await healthRoutes(app, services)
  return app
}

/** Fastify's trustProxy, with a hop count written as the function fastify makes of one. */
function trustProxyOption(setting: Settings['trustProxy']) {
  if (typeof setting !== 'number') return setting
  return (_address: string, hop: number) => hop < setting
}
