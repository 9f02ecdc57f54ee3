// The Spanish pages students see for a moment on their way to SENCE and
// back, written for a person and not for a developer: what happened and
// what to do now. Texts for SENCE's own error codes come from the error table.

import { describeSenceError } from '../protocol/error-table.ts'
import type { CallbackRejection } from '../sessions/apply-callback.ts'
import { overrunMessage, type SessionOverrun } from '../sessions/session-length.ts'
import type { CallbackResult } from '../sessions/session-status.ts'

export interface MessagePage {
  status: number
  title: string
  paragraphs: string[]
  link?: { href: string; label: string } | undefined
  reference?: string | undefined
}

const START_AGAIN =
  'Vuelve a la página de tu curso y presiona de nuevo el botón para registrar tu asistencia.'

/** The page for a /go or callback URL whose ticket cannot be used, or a callback that did not come from SENCE. */
export function ticketRejectedPage(reason: CallbackRejection, lmsUrl: string | null): MessagePage {
  const link = lmsUrl === null ? undefined : { href: lmsUrl, label: 'Volver al curso' }
  switch (reason) {
    case 'unknown':
      return {
        status: 404,
        title: 'Este enlace no es válido',
        paragraphs: [
          'No encontramos el registro de asistencia al que apunta este enlace. Puede estar incompleto o haber sido copiado mal.',
          START_AGAIN,
        ],
      }
    case 'used':
      return {
        status: 410,
        title: 'Este enlace ya se usó',
        paragraphs: [
          'SENCE ya respondió a este registro de asistencia, así que este enlace no se puede usar otra vez.',
          'Si necesitas iniciar o cerrar otra sesión, hazlo desde la página de tu curso.',
        ],
        link,
      }
    case 'expired':
      return {
        status: 410,
        title: 'Este enlace venció',
        paragraphs: [
          'Pasó demasiado tiempo desde que saliste de tu curso hacia SENCE.',
          START_AGAIN,
        ],
        link,
      }
    case 'superseded':
      return {
        status: 410,
        title: 'Este enlace fue reemplazado',
        paragraphs: [
          'Después de este enlace se pidió otro cierre de sesión, que es el que vale ahora.',
          'Vuelve a la página de tu curso para cerrar tu sesión.',
        ],
        link,
      }
    case 'mismatch':
      return {
        status: 409,
        title: 'No pudimos confirmar tu registro',
        paragraphs: [
          'La respuesta recibida no coincide con los datos de tu curso, así que no la registramos.',
          'Avisa a tu OTEC e indícale la referencia de abajo.',
        ],
        link,
      }
    case 'foreign_origin':
      return {
        status: 403,
        title: 'Esta respuesta no viene de SENCE',
        paragraphs: [
          'Recibimos una respuesta enviada desde una página que no es la de SENCE, así que no registramos nada.',
          START_AGAIN,
          'Si vuelve a pasar, avisa a tu OTEC e indícale la referencia de abajo.',
        ],
        link,
      }
    case 'not_launched':
      return {
        status: 403,
        title: 'Esta respuesta no viene de SENCE',
        paragraphs: [
          'Recibimos una respuesta para un registro de asistencia que nunca pasó por SENCE, así que no registramos nada.',
          START_AGAIN,
          'Si vuelve a pasar, avisa a tu OTEC e indícale la referencia de abajo.',
        ],
        link,
      }
  }
}

/**
 * The page for a launch URL whose round trip to SENCE is over (Back or a
 * bookmark after the return). It shows SENCE's response and links to
 * the LMS's return URL with the same result as the first redirect.
 */
export function ticketUsedPage(result: CallbackResult, lmsLocation: string | null): MessagePage {
  const link = lmsLocation === null ? undefined : { href: lmsLocation, label: 'Volver al curso' }
  const answered: Record<CallbackResult, string> = {
    started: 'SENCE ya registró tu ingreso.',
    start_failed: 'SENCE ya respondió a este intento de ingreso, sin registrarlo.',
    closed: 'SENCE ya registró el cierre de tu sesión.',
    close_failed: 'SENCE ya respondió a este intento de cierre, sin registrarlo.',
  }
  return {
    status: 410,
    title: 'Este enlace ya se usó',
    paragraphs: [
      answered[result],
      'Este enlace sirve para una sola ida a SENCE. Si necesitas iniciar o cerrar otra sesión, hazlo desde la página de tu curso.',
    ],
    link,
  }
}

/**
 * The result page shown after a callback when the LMS gave no return URL to
 * go back to. A close that failed after the session's maximum length gets
 * a message about the length in place of the error table's.
 */
export function callbackResultPage(
  result: CallbackResult,
  errorCodes: number[],
  overrun: SessionOverrun | null = null,
): MessagePage {
  if (result === 'started')
    return {
      status: 200,
      title: 'Tu sesión quedó registrada',
      paragraphs: ['SENCE registró el inicio de tu sesión.'],
    }
  if (result === 'closed')
    return {
      status: 200,
      title: 'Tu sesión quedó cerrada',
      paragraphs: ['SENCE registró el cierre de tu sesión.'],
    }
  const messages =
    result === 'close_failed' && overrun !== null
      ? [overrunMessage(overrun)]
      : (errorCodes.length === 0 ? [null] : errorCodes).map(
          (code) => describeSenceError(code).message,
        )
  return {
    status: 200,
    title:
      result === 'start_failed'
        ? 'SENCE no registró tu ingreso'
        : 'SENCE no registró el cierre de tu sesión',
    paragraphs: [...new Set(messages)],
    reference: errorCodes.length > 0 ? `Código SENCE ${errorCodes.join(';')}` : undefined,
  }
}

/**
 * The page for a GET on a callback URL, which only SENCE's page should post
 * to: opening it records nothing. It links to the course when the ticket
 * is known.
 */
export function callbackOpenedDirectlyPage(lmsUrl: string | null): MessagePage {
  return {
    status: 405,
    title: 'Esta dirección es para SENCE',
    paragraphs: [
      'SENCE usa esta dirección para avisarnos el resultado de tu registro de asistencia; abrirla directamente no registra nada.',
      START_AGAIN,
    ],
    link: lmsUrl === null ? undefined : { href: lmsUrl, label: 'Volver al curso' },
  }
}

/** The page for a request the gateway cannot read (too large, wrong format). */
export function badBrowserRequestPage(status: number): MessagePage {
  return {
    status,
    title: 'No pudimos leer la respuesta',
    paragraphs: [
      'La información recibida no tiene el formato que envía SENCE, así que no registramos nada.',
      START_AGAIN,
    ],
  }
}

/** The page for an unexpected failure of the gateway. */
export function internalErrorPage(requestId: string): MessagePage {
  return {
    status: 500,
    title: 'Tuvimos un problema',
    paragraphs: [
      'No pudimos completar tu registro de asistencia por un error nuestro.',
      'Intenta de nuevo en unos minutos.',
    ],
    reference: requestId,
  }
}
