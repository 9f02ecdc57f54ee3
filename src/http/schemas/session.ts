// Response shapes of the session routes, as the serializer checks them and
// /openapi.json documents them. They mirror SessionView (src/sessions/session-view.ts).

import { z } from 'zod'

const instant = z.iso.datetime().describe('An instant in ISO 8601, UTC.')

export const sessionStatusSchema = z
  .enum(['pending', 'started', 'start_failed', 'expired', 'closing', 'closed', 'close_failed'])
  .meta({ id: 'SessionStatus' })

const instantSourceSchema = z
  .enum(['fecha_hora', 'received'])
  .describe(
    '`fecha_hora`: SENCE’s FechaHora, which fell between the launch and the callback’s arrival (give or take 5 minutes). `received`: the time the callback arrived, used when FechaHora was unreadable or outside that window.',
  )
  .meta({ id: 'InstantSource' })

const sessionErrorSchema = z
  .object({
    code: z.int().nullable().describe('The first code SENCE sent; null when it sent no number.'),
    codes: z.array(z.int()).describe('Every code of GlosaError, in order.'),
    message: z.string().describe('Spanish, for the student.'),
    guidance: z.string().describe('Spanish, for OTEC staff.'),
  })
  .meta({ id: 'SessionError' })

export const sessionSchema = z
  .object({
    id: z.uuid(),
    status: sessionStatusSchema,
    environment: z.enum(['test', 'production']),
    rutOtec: z.string(),
    runAlumno: z.string().describe('Canonical RUN: digits, dash, check digit.'),
    codSence: z.string().describe('Blank for line 1.'),
    codigoCurso: z.string(),
    lineaCapacitacion: z.int(),
    idSesionAlumno: z.string(),
    idSesionSence: z.string().nullable().describe('SENCE’s id of the session, once started.'),
    returnUrl: z.string().nullable(),
    maxDurationMinutes: z.int(),
    metadata: z.unknown().describe('The object sent at creation, or null.'),
    startedAt: instant.nullable(),
    startedAtSource: instantSourceSchema
      .nullable()
      .describe(
        'Where startedAt came from; null before the start, and for sessions started before the gateway recorded it.',
      ),
    startFechaHora: z.string().nullable().describe('FechaHora of the start, as SENCE sent it.'),
    startZonaHoraria: z.string().nullable(),
    closedAt: instant.nullable(),
    closedAtSource: instantSourceSchema.nullable().describe('Where closedAt came from.'),
    closeFechaHora: z.string().nullable(),
    closeZonaHoraria: z.string().nullable(),
    error: sessionErrorSchema.nullable().describe('The last failure, or null.'),
    createdAt: instant,
    updatedAt: instant,
    expiresAt: instant.describe('When a pending intent expires if SENCE never calls back.'),
  })
  .meta({ id: 'Session' })

export const createdSessionSchema = sessionSchema
  .extend({
    startUrl: z.url().describe('Send the student’s browser here: it leaves for SENCE.'),
  })
  .meta({ id: 'CreatedSession' })

export const closingSessionSchema = sessionSchema
  .extend({
    closeUrl: z.url().describe('Send the student’s browser here to close the session at SENCE.'),
  })
  .meta({ id: 'ClosingSession' })

const sessionEventSchema = z
  .object({
    id: z.uuid(),
    type: z.string().describe('intent_created, close_requested, callback_applied, ...'),
    detail: z.string().nullable(),
    fields: z.unknown().describe('The form fields of a callback, as received.'),
    createdAt: instant,
  })
  .meta({ id: 'SessionEvent' })

export const sessionWithEventsSchema = sessionSchema
  .extend({
    events: z.array(sessionEventSchema).describe('The latest events, oldest first.'),
    eventCount: z.int().describe('Events stored for the session.'),
    eventsTruncated: z
      .boolean()
      .describe('True when `events` leaves out earlier events because there are too many.'),
    eventsNotStored: z
      .int()
      .describe(
        'Browser requests that changed nothing (launch pages, repeated or rejected callbacks) beyond the number stored per ticket: counted, not stored.',
      ),
  })
  .meta({ id: 'SessionWithEvents' })

export const sessionPageSchema = z
  .object({
    data: z.array(sessionSchema).describe('Newest first.'),
    nextCursor: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'SessionPage' })

export const sessionParamsSchema = z.object({
  id: z.string().describe('The session id (a UUID).'),
})
