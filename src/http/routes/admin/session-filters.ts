// The filter form of the dashboard's session list, read from the query
// string. Values that cannot be used are reported to the person in Spanish
// and left out of the filter, instead of failing the page.

import { normalizeRun, runProblem } from '../../../protocol/run.ts'
import type { SessionFilters } from '../../../reports/list-sessions.ts'
import { SESSION_STATUSES, type SessionStatus } from '../../../sessions/session-status.ts'
import { endOfChileDay, startOfChileDay } from '../../../pages/chile-time.ts'
import { type FieldValue, readFieldInto } from './form-fields.ts'

export interface SessionFilterQuery {
  runAlumno?: FieldValue
  codigoCurso?: FieldValue
  status?: FieldValue
  from?: FieldValue
  to?: FieldValue
  errorCode?: FieldValue
  cursor?: FieldValue
}

export interface ReadFilters {
  filters: SessionFilters
  /** The values as typed, to fill the form again; '' for a field that could not be read. */
  form: Record<Exclude<keyof SessionFilterQuery, 'cursor'>, string>
  problems: string[]
}

export function readSessionFilters(query: SessionFilterQuery): ReadFilters {
  const problems: string[] = []
  const form = {
    runAlumno: readFieldInto(query.runAlumno, 'RUN del alumno', problems),
    codigoCurso: readFieldInto(query.codigoCurso, 'Código del curso', problems),
    status: readFieldInto(query.status, 'Estado', problems),
    from: readFieldInto(query.from, 'Creadas desde', problems),
    to: readFieldInto(query.to, 'Creadas hasta', problems),
    errorCode: readFieldInto(query.errorCode, 'Código de error SENCE', problems),
  }
  const filters: SessionFilters = {}

  if (form.runAlumno !== '') {
    const run = normalizeRun(form.runAlumno)
    if (runProblem(run) === null) filters.runAlumno = run
    else problems.push(`El RUN "${form.runAlumno}" no es válido; escríbalo como 12345678-5.`)
  }
  if (form.codigoCurso !== '') filters.codigoCurso = form.codigoCurso
  if (form.status !== '') {
    if ((SESSION_STATUSES as string[]).includes(form.status))
      filters.statuses = [form.status as SessionStatus]
    else problems.push(`El estado "${form.status}" no existe.`)
  }
  if (form.errorCode !== '') {
    if (/^\d{1,4}$/.test(form.errorCode)) filters.errorCode = Number(form.errorCode)
    else problems.push(`El código "${form.errorCode}" no es un número de error de SENCE.`)
  }
  filters.from = readDateFilter(form.from, startOfChileDay, 'desde', problems)
  filters.to = readDateFilter(form.to, endOfChileDay, 'hasta', problems)
  return { filters, form, problems }
}

/**
 * Reads a date of an `<input type="date">` (aaaa-mm-dd) with `parse`, or
 * returns undefined for an empty one. An unreadable date adds a problem
 * naming the field and the value.
 */
export function readDateFilter(
  value: string,
  parse: (value: string) => Date | undefined,
  name: string,
  problems: string[],
): Date | undefined {
  if (value === '') return undefined
  const parsed = parse(value)
  if (parsed === undefined)
    problems.push(`La fecha "${name}" (${value}) no es válida; use aaaa-mm-dd.`)
  return parsed
}

/** Returns the cursor of a "next page" link, or undefined when absent or repeated: a bad cursor only restarts the list. */
export function readCursor(value: FieldValue): string | undefined {
  return typeof value === 'string' && !value.includes('\u0000') ? value : undefined
}

/** Builds the query string of a filter form, without empty fields, for links such as the next page. */
export function filterQuery(
  form: Record<string, string>,
  extra: Record<string, string> = {},
): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries({ ...form, ...extra }))
    if (value !== '') query.set(name, value)
  const text = query.toString()
  return text === '' ? '' : `?${text}`
}
