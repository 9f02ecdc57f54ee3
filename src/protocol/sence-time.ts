// FechaHora and ZonaHoraria of SENCE's callbacks. The manual gives FechaHora
// as `aaaa-mm-dd hh:mm:ss` with no offset and ZonaHoraria as free text of at
// most 100 characters, with no list of values. The instant is computed in
// the zone received, never in the server's own zone (which is rarely
// Chile's), with luxon's time-zone data.

import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon'
import { findIana } from 'windows-iana'

/** The zone assumed when ZonaHoraria is blank or not a zone: SENCE is in continental Chile. */
export const DEFAULT_SENCE_ZONE = 'America/Santiago'

/** FechaHora's format in the manual: `aaaa-mm-dd hh:mm:ss`, with no offset. */
const FECHA_HORA_FORMAT = 'yyyy-MM-dd HH:mm:ss'

/**
 * Formats also read, most likely first: the manual's with one-digit parts,
 * and the day-first form of Chilean Spanish (es-CL) that a .NET server
 * prints by default. ISO 8601 and SQL forms are tried after these.
 */
const LENIENT_FORMATS = ['yyyy-M-d H:mm:ss', 'd-M-yyyy H:mm:ss'] as const

/**
 * Zone names that are not IANA names but plainly mean a Chilean zone:
 * Chile's abbreviations, and the cities of Windows' display names such as
 * "(UTC-04:00) Santiago". The offset in a display name is the standard one,
 * wrong for half the year, so the city decides.
 */
const CHILEAN_ZONE_ALIASES: Record<string, string> = {
  clt: 'America/Santiago',
  clst: 'America/Santiago',
  santiago: 'America/Santiago',
  'punta arenas': 'America/Punta_Arenas',
  magallanes: 'America/Punta_Arenas',
  'easter island': 'Pacific/Easter',
  'isla de pascua': 'Pacific/Easter',
}

export interface SenceInstant {
  /** Null when FechaHora cannot be read as a date and time. */
  instant: Date | null
  /** The zone the instant was computed in (an IANA name or a fixed offset). */
  zone: string
  /** True when ZonaHoraria was blank or unknown and DEFAULT_SENCE_ZONE was used instead. */
  zoneAssumed: boolean
}

/**
 * Computes the instant of a FechaHora in its ZonaHoraria. ZonaHoraria may be
 * an IANA name (America/Santiago), a Windows zone id (Pacific SA Standard
 * Time), a Windows display name ("(UTC-04:00) Santiago"), an abbreviation
 * (CLT, CLST) or an offset (UTC-3, GMT-03:00, -03:00). Unreadable input
 * gives a null instant or the assumed zone, not an exception.
 *
 * Chile moves its clocks twice a year, and luxon 3 resolves the two odd
 * cases this way: a time in the repeated hour (April) is its first
 * occurrence, still in summer time; a time in the skipped hour (September)
 * is read with the offset in force just before the change, so 00:30 on the
 * day of the change gives the same instant as 01:30. Both give an instant.
 */
export function senceInstant(fechaHora: string, zonaHoraria: string): SenceInstant {
  const named = zoneOf(zonaHoraria)
  const zone = named ?? (IANAZone.create(DEFAULT_SENCE_ZONE) as Zone)
  const parsed = parseFechaHora(fechaHora.trim(), zone)
  return {
    instant: parsed?.toJSDate() ?? null,
    zone: zone.name,
    zoneAssumed: named === null,
  }
}

function parseFechaHora(text: string, zone: Zone): DateTime | null {
  if (text === '' || text.length > 40) return null
  const candidates = [
    () => DateTime.fromFormat(text, FECHA_HORA_FORMAT, { zone }),
    ...LENIENT_FORMATS.map((format) => () => DateTime.fromFormat(text, format, { zone })),
    // An offset written in the value itself wins over ZonaHoraria.
    () => DateTime.fromISO(text, { zone }),
    () => DateTime.fromSQL(text, { zone }),
  ]
  for (const candidate of candidates) {
    const parsed = candidate()
    if (parsed.isValid) return parsed
  }
  return null
}

/** Returns the zone a ZonaHoraria names, or null when it names none. */
export function zoneOf(zonaHoraria: string): Zone | null {
  const text = zonaHoraria.trim()
  if (text === '' || text.length > 100) return null
  if (isValidIanaZone(text)) return IANAZone.create(text)

  const fromWindows = findIana(text)[0]
  if (fromWindows !== undefined && isValidIanaZone(fromWindows)) return IANAZone.create(fromWindows)

  const displayName = /^\((?:UTC|GMT)\s*([+-]\d{1,2}(?::?\d{2})?)?\)\s*(.*)$/i.exec(text)
  const words = (displayName?.[2] ?? text).toLowerCase()
  for (const [alias, zone] of Object.entries(CHILEAN_ZONE_ALIASES)) {
    if (words === alias || words.split(/\s*,\s*/).includes(alias)) return IANAZone.create(zone)
  }
  return fixedOffsetOf(displayName === null ? text : `UTC${displayName[1] ?? ''}`)
}

/**
 * Zone names already checked, and whether each is an IANA zone. luxon
 * 3.7's IANAZone.isValidZone builds an Intl.DateTimeFormat on every call,
 * and callbacks send the same few names again and again. ZonaHoraria comes
 * from a form anyone can post, so the cache is emptied when it fills up.
 */
const ianaZoneValidity = new Map<string, boolean>()
const MAX_CACHED_ZONE_NAMES = 256

function isValidIanaZone(name: string): boolean {
  let valid = ianaZoneValidity.get(name)
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name)
    if (ianaZoneValidity.size >= MAX_CACHED_ZONE_NAMES) ianaZoneValidity.clear()
    ianaZoneValidity.set(name, valid)
  }
  return valid
}

function fixedOffsetOf(text: string): Zone | null {
  const specifier = text.replace(/^GMT/i, 'UTC').replace(/\s+/g, '').replace('\u2212', '-')
  const offset =
    FixedOffsetZone.parseSpecifier(specifier) ?? FixedOffsetZone.parseSpecifier(`UTC${specifier}`)
  return offset !== null && offset.isValid ? offset : null
}

/** Formats an instant as FechaHora in a zone, as SENCE sends it. */
export function formatFechaHora(instant: Date, zone: string = DEFAULT_SENCE_ZONE): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat(FECHA_HORA_FORMAT)
}
