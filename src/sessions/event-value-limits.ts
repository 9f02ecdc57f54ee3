// Limits on what one session event stores of a browser request. A callback
// body may be up to 16 KiB, and its headers as large as Node.js admits, but
// SENCE's callback has nine short fields: the longest, IdSesionAlumno and
// IdSesionSence, have at most 149 characters. Without limits, each repeat
// of a padded request would store kilobytes that GET /v1/sessions/{id}
// then returns.

/** Characters kept of each string value; SENCE's longest field has 149. */
export const STORED_VALUE_MAX_LENGTH = 256

/** Characters kept of each key; SENCE's longest field name has 17. */
export const STORED_KEY_MAX_LENGTH = 64

/** Keys kept of each object; a callback has at most nine, the launch form ten. */
export const STORED_KEYS_MAX = 20

/** Values kept of a repeated form key, which @fastify/formbody gives as an array. */
export const STORED_ARRAY_ITEMS_MAX = 10

/** Characters kept of an event's detail, which may quote a header such as Origin. */
export const STORED_DETAIL_MAX_LENGTH = 1000

/** The key that counts the keys of an object left out by STORED_KEYS_MAX. */
export const KEYS_NOT_STORED_KEY = '[keys not stored]'

/**
 * Shortens a string to `max` characters and appends how many were cut, so
 * that the stored value cannot pass for the value received.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}…[${text.length - max} more characters not stored]`
}

/**
 * Copies a form body or request description within the limits above.
 * Strings and keys are shortened. An object keeps STORED_KEYS_MAX keys and
 * counts the others under KEYS_NOT_STORED_KEY. An array keeps
 * STORED_ARRAY_ITEMS_MAX items, then one item that counts the others.
 */
export function limitEventValue(value: unknown): unknown {
  if (typeof value === 'string') return truncateText(value, STORED_VALUE_MAX_LENGTH)
  if (Array.isArray(value)) {
    const kept = value.slice(0, STORED_ARRAY_ITEMS_MAX).map(limitEventValue)
    if (value.length > STORED_ARRAY_ITEMS_MAX)
      kept.push(`[${value.length - STORED_ARRAY_ITEMS_MAX} more values not stored]`)
    return kept
  }
  if (typeof value !== 'object' || value === null) return value

  const entries = Object.entries(value).filter(([, item]) => item !== undefined)
  // Without a prototype, so that a key named `__proto__` stays a key.
  const copy: Record<string, unknown> = Object.create(null)
  for (const [key, item] of entries.slice(0, STORED_KEYS_MAX))
    copy[truncateText(key, STORED_KEY_MAX_LENGTH)] = limitEventValue(item)
  if (entries.length > STORED_KEYS_MAX) copy[KEYS_NOT_STORED_KEY] = entries.length - STORED_KEYS_MAX
  return copy
}
