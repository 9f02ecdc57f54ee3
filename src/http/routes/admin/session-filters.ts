// The filter form of the dashboard's session list, read from the query
// string. Values that cannot be used are reported to the person in Spanish
// and left out of the filter, instead of failing the page.

import { normalizeRun, runProblem } from '../../../protocol/run.ts'
import type { SessionFilters } from '../../../reports/list-sessions.ts'
import { SESSION_STATUSES, type SessionStatus } from '../../../sessions/session-status.ts'
import { endOfChileDay, startOfChileDay } from '../../../pages/chile-time.ts'

export interface SessionFilterQuery {
  runAlumno?: string
  codigoCurso?: string
  status?: string
  from?: string
  to?: string
  errorCode?: string
  cursor?: string
}

export interface ReadFilters {
  filters: SessionFilters
  /** The values as typed, to fill the form again. */
  form: Required<Omit<SessionFilterQuery, 'cursor'>>
  problems: string[]
}

export function readSessionFilters(query: SessionFilterQuery): ReadFilters {
  const form = {
    runAlumno: (query.runAlumno ?? '').trim(),
    codigoCurso: (query.codigoCurso ?? '').trim(),
    status: (query.status ?? '').trim(),
    from: (query.from ?? '').trim(),
    to: (query.to ?? '').trim(),
    errorCode: (query.errorCode ?? '').trim(),
  }
  const problems: string[] = []
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
  filters.from = dateFilter(form.from, startOfChileDay, 'desde', problems)
  filters.to = dateFilter(form.to, endOfChileDay, 'hasta', problems)
  return { filters, form, problems }
}

function dateFilter(
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
