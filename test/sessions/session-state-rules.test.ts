// The database's own copy of the state machine (a trigger on "Session" and
// a unique index on live tickets) must agree with session-status.ts, and
// must hold against plain SQL that bypasses the application.

import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import {
  SESSION_STATUSES,
  canTransition,
  type SessionStatus,
} from '../../src/sessions/session-status.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

/** An allowed path from pending to each status. */
const PATH_TO: Record<SessionStatus, SessionStatus[]> = {
  pending: [],
  started: ['started'],
  start_failed: ['start_failed'],
  expired: ['expired'],
  closing: ['started', 'closing'],
  closed: ['started', 'closing', 'closed'],
  close_failed: ['started', 'closing', 'close_failed'],
}

t.test('database transitions match the state machine', async (t) => {
  const db = await createTestDatabase(t)
  const { otec } = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
  })

  const newSession = async () => {
    const session = await db.prisma.session.create({
      data: {
        otecId: otec.id,
        environment: 'test',
        rutOtec: otec.rut,
        runAlumno: '12345678-5',
        codSence: '1234567890',
        codigoCurso: '1234567',
        lineaCapacitacion: 3,
        idSesionAlumno: 'lms-1',
        maxDurationMinutes: 180,
        pendingExpiresAt: new Date(Date.now() + 60_000),
      },
    })
    return session.id
  }
  const setStatus = (id: string, status: SessionStatus) =>
    db.pool.query('UPDATE "Session" SET status = $2 WHERE id = $1', [id, status])

  for (const from of SESSION_STATUSES) {
    for (const to of SESSION_STATUSES) {
      const id = await newSession()
      for (const step of PATH_TO[from]) await setStatus(id, step)

      const expected = from === to || canTransition(from, to)
      const error = await setStatus(id, to).then(
        () => null,
        (failure: Error) => failure,
      )
      if (expected) {
        t.equal(error, null, `${from} → ${to} is accepted`)
      } else {
        t.match(error?.message, `cannot move from ${from} to ${to}`, `${from} → ${to} is rejected`)
      }
    }
  }
})

t.test('sessions are created pending only', async (t) => {
  const db = await createTestDatabase(t)
  const { otec } = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
  })
  const created = db.prisma.session.create({
    data: {
      otecId: otec.id,
      status: 'started',
      environment: 'test',
      rutOtec: otec.rut,
      runAlumno: '12345678-5',
      codSence: '1234567890',
      codigoCurso: '1234567',
      lineaCapacitacion: 3,
      idSesionAlumno: 'lms-1',
      maxDurationMinutes: 180,
      pendingExpiresAt: new Date(),
    },
  })
  await t.rejects(created, /must be created pending, not started/)
  t.equal(await db.prisma.session.count(), 0)
})

t.test('one issued ticket per session', async (t) => {
  const db = await createTestDatabase(t)
  const { otec } = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
  })
  const session = await db.prisma.session.create({
    data: {
      otecId: otec.id,
      environment: 'test',
      rutOtec: otec.rut,
      runAlumno: '12345678-5',
      codSence: '1234567890',
      codigoCurso: '1234567',
      lineaCapacitacion: 3,
      idSesionAlumno: 'lms-1',
      maxDurationMinutes: 180,
      pendingExpiresAt: new Date(),
    },
  })
  const ticket = (hash: string, status: 'issued' | 'used' = 'issued') =>
    db.prisma.ticket.create({
      data: {
        ticketHash: hash,
        sessionId: session.id,
        kind: 'start',
        status,
        environment: 'test',
        expiresAt: new Date(),
      },
    })

  await ticket('a'.repeat(64))
  await t.rejects(ticket('b'.repeat(64)), /Unique constraint failed/)
  await t.resolves(ticket('c'.repeat(64), 'used'), 'used tickets are not limited')
})
