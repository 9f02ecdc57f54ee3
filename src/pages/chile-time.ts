// Instants and durations as people in Chile read them: in America/Santiago,
// where SENCE and the OTECs are, whatever the server's time zone.

import { DateTime } from 'luxon'
import { DEFAULT_SENCE_ZONE } from '../protocol/sence-time.ts'

/** `2026-12-04 13:05:09` in America/Santiago, or a dash for no instant. */
export function formatInstant(instant: Date | null | undefined): string {
  if (instant === null || instant === undefined) return '—'
  return DateTime.fromJSDate(instant, { zone: DEFAULT_SENCE_ZONE }).toFormat('yyyy-MM-dd HH:mm:ss')
}

/** `13:05` in America/Santiago. */
export function formatClockTime(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: DEFAULT_SENCE_ZONE }).toFormat('HH:mm')
}

/** Formats a duration in minutes, rounded down, as `2 h 05 min`, or `45 min` under an hour. */
export function formatMinutes(totalMinutes: number): string {
  const minutes = Math.max(0, Math.floor(totalMinutes))
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return hours === 0 ? `${rest} min` : `${hours} h ${String(rest).padStart(2, '0')} min`
}

/** Parses an `<input type="date">` value as the start of that day in America/Santiago. */
export function startOfChileDay(value: string | undefined): Date | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined
  const day = DateTime.fromISO(value, { zone: DEFAULT_SENCE_ZONE })
  return day.isValid ? day.toJSDate() : undefined
}

/** Returns the start of the day after an `<input type="date">` value, so that a "to" day is included. */
export function endOfChileDay(value: string | undefined): Date | undefined {
  const start = startOfChileDay(value)
  if (start === undefined) return undefined
  return DateTime.fromJSDate(start, { zone: DEFAULT_SENCE_ZONE }).plus({ days: 1 }).toJSDate()
}
