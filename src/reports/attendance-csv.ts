// The attendance report as CSV that Excel opens as it is: UTF-8 with a byte
// order mark (without it Excel reads accents as Windows-1252), a header
// row, CRLF line ends, and a choice of comma or semicolon, since Excel in
// a Spanish locale splits columns on semicolons.

import { stringify } from 'csv-stringify/sync'
import type { AttendanceRow } from './attendance.ts'

export const ATTENDANCE_COLUMNS: readonly (keyof AttendanceRow)[] = [
  'runAlumno',
  'codigoCurso',
  'sessions',
  'closedSessions',
  'openSessions',
  'failedStarts',
  'totalMinutes',
  'firstStartedAt',
  'lastStartedAt',
]

export type CsvDelimiter = ',' | ';'

export function attendanceCsv(rows: AttendanceRow[], delimiter: CsvDelimiter = ','): string {
  return stringify(rows, {
    bom: true,
    header: true,
    columns: [...ATTENDANCE_COLUMNS],
    delimiter,
    record_delimiter: 'windows',
    cast: { string: neutralizeFormula },
  })
}

/**
 * Keeps a spreadsheet from running a cell as a formula (CSV injection):
 * text that starts with =, +, -, @, a tab or a carriage return gets a
 * leading apostrophe. Plain numbers such as SENCE's test code "-1" are
 * left alone, since a spreadsheet reads them as numbers, not formulas.
 */
export function neutralizeFormula(value: string): string {
  if (/^[-+]?\d+(\.\d+)?$/.test(value)) return value
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}
