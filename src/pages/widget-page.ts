// The texts of the session widget that an LMS embeds on its course page,
// in Spanish for the student: the state of the SENCE session, the timer's
// alerts and the logout button's label.

import { formatClockTime, formatMinutes } from './chile-time.ts'
import type { MessagePage } from './student-pages.ts'
import {
  ALERT_BEFORE_END_MINUTES,
  formatElapsed,
  type WidgetState,
} from '../widget/widget-state.ts'

export interface WidgetTimer {
  startedAt: string
  alertAt: string
  endsAt: string
  /** The timer's text when the page was made; the script updates it every second. */
  elapsed: string
  alertText: string
  endedText: string
  /** The alert already due when the page was made, shown without the script. */
  currentAlert: string | null
}

export interface WidgetPage {
  status: number
  /** The session's status, which the widget's script compares with the API's to reload; null without a session. */
  sessionStatus: string | null
  title: string
  paragraphs: string[]
  timer: WidgetTimer | null
  closeLabel: string | null
}

export function widgetPage(state: WidgetState, now: Date = new Date()): WidgetPage {
  const page = {
    status: 200,
    sessionStatus: state.status,
    timer: timerOf(state, now),
    closeLabel: null as string | null,
  }
  switch (state.status) {
    case 'started':
      return {
        ...page,
        title: 'Tu sesión SENCE está abierta',
        paragraphs: allottedTime(state),
        closeLabel: 'Cerrar sesión en SENCE',
      }
    case 'closing':
      return {
        ...page,
        title: 'Cierre de sesión en curso',
        paragraphs: [
          'Si no terminaste el cierre con tu ClaveÚnica, vuelve a intentarlo: tu asistencia queda completa sólo cuando SENCE registra el cierre.',
          ...allottedTime(state),
        ],
        closeLabel: 'Cerrar sesión en SENCE',
      }
    case 'close_failed':
      return {
        ...page,
        title: 'SENCE no registró el cierre',
        paragraphs: [state.errorMessage ?? 'Vuelve a intentarlo.', ...allottedTime(state)],
        closeLabel: 'Intentar cerrar de nuevo',
      }
    case 'closed':
      return {
        ...page,
        timer: null,
        title: 'Tu sesión SENCE quedó cerrada',
        paragraphs: [closedText(state)],
      }
    case 'pending':
      return {
        ...page,
        title: 'Tu ingreso a SENCE no se ha confirmado',
        paragraphs: [
          'Cuando SENCE confirme tu ingreso con ClaveÚnica, aquí verás el tiempo de tu sesión.',
        ],
      }
    case 'start_failed':
      return {
        ...page,
        title: 'SENCE no registró tu ingreso',
        paragraphs: [
          state.errorMessage ?? 'Vuelve a la página de tu curso para intentarlo de nuevo.',
        ],
      }
    case 'expired':
      return {
        ...page,
        title: 'Tu ingreso a SENCE no se completó',
        paragraphs: [
          'Pasó demasiado tiempo sin que SENCE confirmara tu ingreso. Vuelve a la página de tu curso para registrar tu asistencia.',
        ],
      }
  }
}

/** Returns the page for a token that has expired or cannot be read. */
export function widgetTokenRejectedPage(
  reason: 'malformed' | 'expired' | 'unknown_session',
): WidgetPage {
  return {
    status: reason === 'expired' ? 410 : 404,
    sessionStatus: null,
    title: reason === 'expired' ? 'Este contador venció' : 'Este contador no es válido',
    paragraphs: ['Recarga la página de tu curso para ver el tiempo de tu sesión SENCE.'],
    timer: null,
    closeLabel: null,
  }
}

/**
 * Returns the page for a press of the logout button that cannot start a
 * close. The form's target is the whole window, so this page replaces the
 * LMS's course page and must lead back to it: with a link to the LMS when
 * the session is known, and with the browser's Back button otherwise.
 */
export function widgetCloseRejectedPage(
  reason: 'malformed' | 'expired' | 'not_closable' | 'invalid',
  session: { id: string; lmsLink?: { href: string; label: string } | undefined } | null,
): MessagePage {
  const link = session?.lmsLink
  const back = link === undefined ? ' con el botón Atrás del navegador' : ''
  const pressAgain = `Vuelve a la página de tu curso${back}, recárgala y presiona de nuevo «Cerrar sesión en SENCE».`
  const page = {
    title: 'No pudimos iniciar el cierre de tu sesión',
    link,
    reference: session?.id,
  }
  switch (reason) {
    case 'malformed':
      return {
        ...page,
        status: 404,
        paragraphs: [
          `El botón de cierre no es válido, así que no se inició el cierre. ${pressAgain}`,
        ],
      }
    case 'expired':
      return {
        ...page,
        status: 410,
        title: 'El botón de cierre venció',
        paragraphs: [
          `Tu sesión sigue abierta en SENCE, pero este botón se cargó hace demasiado tiempo. ${pressAgain}`,
          'Si el tiempo asignado a tu sesión ya terminó y SENCE no acepta el cierre, avisa a tu OTEC.',
        ],
      }
    case 'not_closable':
      return {
        ...page,
        status: 409,
        paragraphs: ['Tu sesión ya no está abierta en SENCE, así que no hay nada que cerrar.'],
      }
    case 'invalid':
      return {
        ...page,
        status: 409,
        paragraphs: [
          'El curso tiene un problema de configuración. Avisa a tu OTEC; tu sesión sigue abierta en SENCE.',
        ],
      }
  }
}

function allottedTime(state: WidgetState): string[] {
  if (state.startedAt === null || state.endsAt === null) return []
  return [
    `Iniciaste tu sesión a las ${formatClockTime(state.startedAt)}. Su tiempo asignado es de ` +
      `${formatMinutes(state.maxDurationMinutes)}, hasta las ${formatClockTime(state.endsAt)} (hora de Chile).`,
  ]
}

function closedText(state: WidgetState): string {
  if (state.closedAt === null) return 'SENCE registró el cierre de tu sesión.'
  const duration =
    state.startedAt === null
      ? ''
      : ` Duró ${formatMinutes((state.closedAt.getTime() - state.startedAt.getTime()) / 60_000)}.`
  return `SENCE registró el cierre a las ${formatClockTime(state.closedAt)}.${duration}`
}

function timerOf(state: WidgetState, now: Date): WidgetTimer | null {
  if (state.startedAt === null || state.endsAt === null || state.alertAt === null) return null
  const alertText =
    `Quedan ${ALERT_BEFORE_END_MINUTES} minutos del tiempo asignado a tu sesión. Ciérrala antes de ` +
    `las ${formatClockTime(state.endsAt)} para que SENCE registre tu asistencia.`
  const endedText =
    'Se cumplió el tiempo asignado a tu sesión. Ciérrala ahora; si SENCE no acepta el cierre, avisa a tu OTEC.'
  return {
    startedAt: state.startedAt.toISOString(),
    alertAt: state.alertAt.toISOString(),
    endsAt: state.endsAt.toISOString(),
    elapsed: formatElapsed(state.startedAt, now),
    alertText,
    endedText,
    currentAlert: currentAlert(now, state.endsAt, endedText, state.alertAt, alertText),
  }
}

/** Returns the alert already due at `now`: the end's, the one before it, or none. */
function currentAlert(
  now: Date,
  endsAt: Date,
  endedText: string,
  alertAt: Date,
  alertText: string,
): string | null {
  if (now >= endsAt) return endedText
  if (now >= alertAt) return alertText
  return null
}
