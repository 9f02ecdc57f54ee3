import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon'

/** The zone assumed when ZonaHoraria is blank or not a zone: SENCE is in continental Chile. */
export const DEFAULT_SENCE_ZONE = 'America/Santiago'

/** FechaHora's format in the manual: `aaaa-mm-dd hh:mm:ss`, with no offset. */
const FECHA_HORA_FORMAT = 'yyyy-MM-dd HH:mm:ss'

export interface SenceInstant {
  /** Null when FechaHora is not a valid `aaaa-mm-dd hh:mm:ss` date and time. */
  instant: Date | null
  /** The zone the instant was computed in. */
  zone: string
  /** True when ZonaHoraria was blank or unknown and DEFAULT_SENCE_ZONE was used instead. */
  zoneAssumed: boolean
}

/**
 * Computes the instant of a FechaHora in its ZonaHoraria (an IANA name such
 * as America/Santiago, or an offset such as UTC-3 or -03:00).
 *
 * Chile moves its clocks twice a year, and luxon 3 resolves the two odd
 * cases this way: a time in the repeated hour is the first occurrence
 * (summer time), and a time in the skipped hour is read with the offset in
 * force just before the change, so both always give an instant.
 */
export function senceInstant(fechaHora: string, zonaHoraria: string): SenceInstant {
  const named = zoneOf(zonaHoraria)
  const zone = named ?? (IANAZone.create(DEFAULT_SENCE_ZONE) as Zone)
  const parsed = DateTime.fromFormat(fechaHora.trim(), FECHA_HORA_FORMAT, { zone })
  return {
    instant: parsed.isValid ? parsed.toJSDate() : null,
    zone: zone.name,
    zoneAssumed: named === null,
  }
}

function zoneOf(zonaHoraria: string): Zone | null {
  const text = zonaHoraria.trim()
  if (text === '') return null
  if (IANAZone.isValidZone(text)) return IANAZone.create(text)
  const offset =
    FixedOffsetZone.parseSpecifier(text) ?? FixedOffsetZone.parseSpecifier(`UTC${text}`)
  return offset !== null && offset.isValid ? offset : null
}

/** Formats an instant as FechaHora in a zone, as SENCE sends it. */
export function formatFechaHora(instant: Date, zone: string = DEFAULT_SENCE_ZONE): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat(FECHA_HORA_FORMAT)
}
