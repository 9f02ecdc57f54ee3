import { parse } from 'node-html-parser'

export interface HtmlForm {
  action: string
  method: string
  /** Every named input and select, with its value (a select's first option). */
  fields: Record<string, string>
}

/** Returns the forms of an HTML page, with their decoded attribute values. */
export function formsOf(html: string): HtmlForm[] {
  return parse(html)
    .querySelectorAll('form')
    .map((form) => {
      const fields: Record<string, string> = {}
      for (const input of form.querySelectorAll('input[name]')) {
        fields[input.getAttribute('name') as string] = input.getAttribute('value') ?? ''
      }
      for (const select of form.querySelectorAll('select[name]')) {
        fields[select.getAttribute('name') as string] =
          select.querySelector('option')?.getAttribute('value') ?? ''
      }
      return {
        action: form.getAttribute('action') ?? '',
        method: (form.getAttribute('method') ?? 'get').toLowerCase(),
        fields,
      }
    })
}

/** Returns the only form of a page, failing loudly when there is none or several. */
export function onlyFormOf(html: string): HtmlForm {
  const forms = formsOf(html)
  if (forms.length !== 1) throw new Error(`expected one form, found ${forms.length} in:\n${html}`)
  return forms[0] as HtmlForm
}

/** Returns the options of a select, by its name. */
export function selectOptions(html: string, name: string): string[] {
  return parse(html)
    .querySelectorAll(`select[name="${name}"] option`)
    .map((option) => option.getAttribute('value') ?? '')
}
