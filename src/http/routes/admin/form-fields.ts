// Reads one field of a dashboard form or filter before any query uses it.
// fastify's query-string and form-body parsers turn a field sent twice
// (`?status=a&status=b`) into an array, and PostgreSQL rejects the NUL
// character (%00) in text parameters. Either would otherwise end as the
// 500 page. The dashboard's own forms send each of these fields once, so a
// repeated field is reported to the person instead of guessing which value
// was meant.

/** A field as fastify's parsers deliver it: absent, a string, or an array when repeated. */
export type FieldValue = string | string[] | undefined

export type ReadField = { ok: true; value: string } | { ok: false; problem: string }

/** How many of a repeated field's values a message quotes. */
const QUOTED_VALUES = 3

/**
 * Returns the trimmed value of a field sent at most once ('' when absent),
 * or the Spanish problem, naming the field by `label`, for a repeated field
 * or a value with a NUL character. The problem quotes a repeated field's
 * values unless `secret` is set.
 */
export function readField(
  value: unknown,
  label: string,
  options: { secret?: boolean } = {},
): ReadField {
  if (value === undefined || value === null) return { ok: true, value: '' }
  if (Array.isArray(value)) {
    const quoted = options.secret
      ? ''
      : ` (${value
          .slice(0, QUOTED_VALUES)
          .map((item) => `"${String(item).replaceAll('\u0000', '')}"`)
          .join(', ')})`
    return {
      ok: false,
      problem: `El campo "${label}" llegó ${value.length} veces${quoted}; envíelo una sola vez, con un solo valor.`,
    }
  }
  const text = String(value)
  if (text.includes('\u0000'))
    return {
      ok: false,
      problem: `El campo "${label}" contiene un carácter nulo (%00), que no se puede buscar ni guardar; bórrelo y vuelva a intentarlo.`,
    }
  return { ok: true, value: text.trim() }
}

/**
 * Reads a field with readField, adds its problem to `problems`, and returns
 * the value, or '' when the field cannot be used.
 */
export function readFieldInto(
  value: unknown,
  label: string,
  problems: string[],
  options: { secret?: boolean } = {},
): string {
  const read = readField(value, label, options)
  if (read.ok) return read.value
  problems.push(read.problem)
  return ''
}
