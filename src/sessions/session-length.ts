// The maximum session length. SENCE's manual sets none, but integrations
// report that SENCE rejects the close of a session opened more than about
// three hours earlier with code 301, whose meaning in SENCE's error table is
// a wrong LineaCapacitacion or CodigoCurso. Each OTEC has a maximum
// (Otec.maxSessionMinutes, 180 by default) that an intent may shorten
// (Session.maxDurationMinutes), and a close that fails after it is
// explained as a session that ran too long.

import type { Session } from '../persistence/generated/client.ts'

/** A failed close of a session that had outlived its maximum length. */
export interface SessionOverrun {
  /** Whole minutes from the start to the failed close. */
  minutesOpen: number
  maxDurationMinutes: number
}

type SessionTimes = Pick<
  Session,
  'startedAt' | 'createdAt' | 'closeFailedAt' | 'maxDurationMinutes'
>

/**
 * Returns how long the session had been open when its last close failed,
 * if that exceeded its maximum length, and null otherwise. Without a start
 * instant it counts from the intent's creation, so it can only overestimate.
 */
export function closeFailureOverrun(session: SessionTimes): SessionOverrun | null {
  if (session.closeFailedAt === null) return null
  const start = session.startedAt ?? session.createdAt
  const minutesOpen = Math.floor((session.closeFailedAt.getTime() - start.getTime()) / 60_000)
  if (minutesOpen <= session.maxDurationMinutes) return null
  return { minutesOpen, maxDurationMinutes: session.maxDurationMinutes }
}

/** Spanish guidance for OTEC staff about a close that failed after the maximum length. */
export function overrunGuidance(overrun: SessionOverrun, codes: number[]): string {
  const opened =
    `La sesión llevaba ${overrun.minutesOpen} minutos abierta cuando SENCE rechazó el cierre, ` +
    `más que su duración máxima de ${overrun.maxDurationMinutes} minutos.`
  if (codes.includes(301)) {
    return (
      `${opened} Otras integraciones informan que SENCE responde 301 al cerrar una sesión abierta ` +
      'por más de unas 3 horas, aunque su tabla de errores describe el 301 como "Línea de ' +
      'Capacitación o Código de Curso incorrecto". Esta sesión se inició con la misma ' +
      'LineaCapacitacion y el mismo CodigoCurso, así que lo más probable es que la causa sea la ' +
      'duración. Pida a los alumnos cerrar su sesión antes del máximo; el LMS puede avisarles ' +
      '10 minutos antes.'
    )
  }
  return (
    `${opened} Otras integraciones informan que SENCE rechaza el cierre de sesiones abiertas por ` +
    'más de unas 3 horas (con el código 301, que su tabla describe como "Línea de Capacitación o ' +
    'Código de Curso incorrecto"); revise también el código que SENCE envió.'
  )
}

/** Spanish message for the student about a close that failed after the maximum length. */
export function overrunMessage(overrun: SessionOverrun): string {
  return (
    `Tu sesión estuvo abierta ${overrun.minutesOpen} minutos, más que el máximo de ` +
    `${overrun.maxDurationMinutes} minutos de este curso, y SENCE no aceptó el cierre. ` +
    'Avisa a tu OTEC. La próxima vez, cierra tu sesión antes de que se cumpla ese tiempo.'
  )
}
