// The start and close instants of a session. SENCE's FechaHora reaches the
// gateway through the student's browser, which can change it before the
// form is posted. It is used only when it falls where SENCE's own clock
// could have put it: after the student left for SENCE and before the
// callback arrived. Otherwise the callback's arrival time is used, which is
// typically a few seconds after SENCE's registration.

/**
 * Clock difference with SENCE that a FechaHora may show and still be
 * trusted, on each side of its window. NOTE: an estimate. SENCE publishes
 * no figure for its clock, and servers kept by NTP differ by far less.
 */
export const FECHA_HORA_SKEW_MS = 5 * 60 * 1000

/** The origin of a start or close instant: SENCE's FechaHora, or the time the callback was received. */
export type InstantSource = 'fecha_hora' | 'received'

export interface CallbackInstant {
  instant: Date
  source: InstantSource
}

/**
 * Chooses the instant of a start or close: FechaHora's when it was read and
 * lies after `after` (when given), no earlier than `leftForSence` and no
 * later than `receivedAt`, each bound widened by FECHA_HORA_SKEW_MS. Else
 * `receivedAt`, but never before `after`.
 */
export function chooseCallbackInstant(
  fechaHora: Date | null,
  window: { leftForSence: Date; receivedAt: Date; after?: Date | null },
): CallbackInstant {
  // A start may take a FechaHora up to the skew ahead of its arrival, so a
  // close received soon after it can arrive before that start's instant.
  // The close then takes the start's instant, so that no session ends
  // before it starts.
  const fallback =
    window.after != null && window.receivedAt.getTime() < window.after.getTime()
      ? window.after
      : window.receivedAt
  const received: CallbackInstant = { instant: fallback, source: 'received' }
  if (fechaHora === null) return received

  const time = fechaHora.getTime()
  if (time < window.leftForSence.getTime() - FECHA_HORA_SKEW_MS) return received
  if (time > window.receivedAt.getTime() + FECHA_HORA_SKEW_MS) return received
  if (window.after != null && time <= window.after.getTime()) return received
  return { instant: fechaHora, source: 'fecha_hora' }
}
