// The two baselines the gateway is measured against, each run as its own
// process, as the gateway is:
//
//   hello   GET /hello: bare fastify returning a small JSON object, the
//           HTTP ceiling of the stack.
//   intent  POST /v1/sessions: bare fastify and pg writing the rows that
//           creating a login intent writes (Session, Ticket, SessionEvent)
//           in one transaction, with the same statements Prisma sends for
//           it, the stack's ceiling for that work.
//
// Settings come from the environment: BASELINE (hello or intent), PORT,
// and for intent DATABASE_URL, DATABASE_POOL_MAX, OTEC_ID, OTEC_RUT and
// PUBLIC_BASE_URL.

import { createHash, randomBytes, randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'

const baseline = process.env['BASELINE']
const port = Number(process.env['PORT'])
if ((baseline !== 'hello' && baseline !== 'intent') || !Number.isInteger(port))
  throw new Error(
    `BASELINE must be hello or intent and PORT a number (got ${baseline}, ${process.env['PORT']})`,
  )

const app = Fastify({ logger: false })
app.get('/healthz', async () => ({ status: 'ok' }))

if (baseline === 'hello') {
  app.get('/hello', async () => ({ hello: 'world' }))
} else {
  registerIntentRoute(requiredEnv('DATABASE_URL'))
}

await app.listen({ host: '127.0.0.1', port })
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void app.close().then(() => process.exit(0)))

function registerIntentRoute(databaseUrl: string) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: Number(process.env['DATABASE_POOL_MAX'] ?? 10),
  })
  app.addHook('onClose', () => pool.end())
  const otecId = requiredEnv('OTEC_ID')
  const rutOtec = requiredEnv('OTEC_RUT')
  const publicBaseUrl = requiredEnv('PUBLIC_BASE_URL')
  const pendingTtlMs = 1800 * 1000

  app.post<{ Body: Record<string, unknown> }>('/v1/sessions', async (request, reply) => {
    const body = request.body
    const sessionId = randomUUID()
    const ticket = randomBytes(16).toString('base64url')
    const now = new Date()
    const expiresAt = new Date(now.getTime() + pendingTtlMs)
    const returnUrl = typeof body['returnUrl'] === 'string' ? body['returnUrl'] : null

    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query(
        `INSERT INTO "public"."Session" ("id","otecId","status","environment","rutOtec","runAlumno","codSence","codigoCurso","lineaCapacitacion","idSesionAlumno","returnUrl","maxDurationMinutes","pendingExpiresAt","startZoneAssumed","closeZoneAssumed","createdAt","updatedAt") VALUES ($1,$2,CAST($3::text AS "public"."SessionStatus"),CAST($4::text AS "public"."Environment"),$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING "public"."Session"."id"`,
        [
          sessionId,
          otecId,
          'pending',
          'test',
          rutOtec,
          String(body['runAlumno']),
          String(body['codSence']),
          String(body['codigoCurso']),
          Number(body['lineaCapacitacion']),
          sessionId,
          returnUrl,
          180,
          expiresAt,
          false,
          false,
          now,
          now,
        ],
      )
      await client.query(
        `INSERT INTO "public"."Ticket" ("id","ticketHash","sessionId","kind","status","environment","returnUrl","expiresAt","createdAt") VALUES ($1,$2,$3,CAST($4::text AS "public"."TicketKind"),CAST($5::text AS "public"."TicketStatus"),CAST($6::text AS "public"."Environment"),$7,$8,$9) RETURNING "public"."Ticket"."id"`,
        [
          randomUUID(),
          createHash('sha256').update(ticket).digest('hex'),
          sessionId,
          'start',
          'issued',
          'test',
          returnUrl,
          expiresAt,
          now,
        ],
      )
      await client.query(
        `INSERT INTO "public"."SessionEvent" ("id","sessionId","type","createdAt") VALUES ($1,$2,$3,$4) RETURNING "public"."SessionEvent"."id"`,
        [randomUUID(), sessionId, 'intent_created', now],
      )
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK')
      throw error
    } finally {
      client.release()
    }
    return reply
      .code(201)
      .send({ id: sessionId, status: 'pending', startUrl: `${publicBaseUrl}/go/${ticket}` })
  })
}

function requiredEnv(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '')
    throw new Error(`${name} is required for BASELINE=intent`)
  return value
}
