// The simulator on its own, posted to directly as an OTEC's platform would:
// SENCE's request checks, its ClaveÚnica stand-in and what it posts back.

import t from 'tap'
import { parse } from 'node-html-parser'
import { ANEXO_2_CODES } from '../../src/protocol/error-table.ts'
import {
  START_CALLBACK_FIELD_NAMES,
  CLOSE_CALLBACK_FIELD_NAMES,
} from '../../src/protocol/fields.ts'
import { submitForm } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { onlyFormOf, selectOptions } from '../helpers/html-forms.ts'

const REQUEST = {
  RutOtec: '76543210-3',
  Token: '12345678-1234-1234-1234-123456789',
  CodSence: '1234567890',
  CodigoCurso: '1234567',
  LineaCapacitacion: '3',
  RunAlumno: '12345678-5',
  IdSesionAlumno: 'lms-42',
  UrlRetoma: 'https://lms.example.cl/exito',
  UrlError: 'https://lms.example.cl/fracaso',
}

function postToSimulator(gateway: TestGateway, path: string, fields: Record<string, string>) {
  return gateway.app.inject({
    method: 'POST',
    url: `/simulator${path}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
}

t.test('simulator', async (t) => {
  const gateway = await startTestGateway(t)

  t.test('bad request posts codes to UrlError', async (t) => {
    const response = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', {
      ...REQUEST,
      RunAlumno: '12345678-4',
      CodigoCurso: '123',
    })
    t.equal(response.statusCode, 200)
    const form = onlyFormOf(response.body)
    t.equal(form.action, REQUEST.UrlError)
    t.equal(form.fields['GlosaError'], '205;207', 'every code, in field order')
    t.same(Object.keys(form.fields), [...START_CALLBACK_FIELD_NAMES, 'GlosaError'])
    t.equal(form.fields['IdSesionSence'], '', 'IdSesionSence blank on error')
    t.equal(form.fields['RunAlumno'], '12345678-4', 'fields echoed as posted')
  })

  t.test('blank UrlRetoma still posts 201', async (t) => {
    const response = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', {
      ...REQUEST,
      UrlRetoma: ' ',
    })
    const form = onlyFormOf(response.body)
    t.equal(form.action, REQUEST.UrlError)
    t.equal(form.fields['GlosaError'], '201')
  })

  t.test('unusable UrlError shows a page', async (t) => {
    for (const [urlError, code] of [
      ['', '201'],
      ['no es url', '203'],
      [`https://lms.example.cl/${'a'.repeat(80)}`, '203'],
    ] as const) {
      const response = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', {
        ...REQUEST,
        UrlError: urlError,
      })
      t.equal(response.statusCode, 200, code)
      t.equal(parse(response.body).querySelectorAll('form').length, 0, `${code}: nothing posted`)
      t.match(response.body, new RegExp(`${code}: `), `${code} shown`)
    }
  })

  t.test('production path applies production rules', async (t) => {
    const test = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', {
      ...REQUEST,
      CodSence: '-1',
      CodigoCurso: '-1',
    })
    t.match(test.body, /name="outcome"/, 'test environment accepts -1')
    const production = await postToSimulator(gateway, '/rce/Registro/IniciarSesion', {
      ...REQUEST,
      CodSence: '-1',
      CodigoCurso: '-1',
    })
    t.equal(onlyFormOf(production.body).fields['GlosaError'], '204;205')
  })

  t.test('close needs IdSesionSence', async (t) => {
    const response = await postToSimulator(gateway, '/rcetest/Registro/CerrarSesion', REQUEST)
    t.equal(onlyFormOf(response.body).fields['GlosaError'], '200')
  })

  t.test('unknown paths are 404', async (t) => {
    for (const path of ['/rcex/Registro/IniciarSesion', '/rcetest/Registro/Otra']) {
      const response = await postToSimulator(gateway, path, REQUEST)
      t.equal(response.statusCode, 404, path)
    }
  })

  t.test('ClaveÚnica offers every code', async (t) => {
    const start = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', REQUEST)
    const startOptions = selectOptions(start.body, 'outcome')
    t.equal(startOptions[0], 'ok', 'ok is the default')
    t.equal(startOptions.at(-1), 'abandon')
    t.same(
      startOptions
        .filter((value) => /^\d+$/.test(value))
        .map(Number)
        .sort(),
      ANEXO_2_CODES.filter((code) => code !== 313),
      'every code but 313 on a start',
    )

    const close = await postToSimulator(gateway, '/rcetest/Registro/CerrarSesion', {
      ...REQUEST,
      IdSesionSence: '987654321',
    })
    t.same(
      selectOptions(close.body, 'outcome')
        .filter((value) => /^\d+$/.test(value))
        .map(Number)
        .sort(),
      ANEXO_2_CODES,
      'every code on a close',
    )
  })

  t.test('ClaveÚnica answers', async (t) => {
    const page = await postToSimulator(gateway, '/rcetest/Registro/CerrarSesion', {
      ...REQUEST,
      IdSesionSence: '987654321',
    })
    const login = onlyFormOf(page.body)
    t.equal(login.fields['run'], REQUEST.RunAlumno, 'RUN filled in')

    const ok = onlyFormOf((await submitForm(gateway, login, { outcome: 'ok' })).body)
    t.equal(ok.action, REQUEST.UrlRetoma)
    t.same(Object.keys(ok.fields), [...CLOSE_CALLBACK_FIELD_NAMES], 'close OK has 7 fields')
    t.match(ok.fields['FechaHora'], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
    t.equal(ok.fields['ZonaHoraria'], 'America/Santiago')

    const failed = onlyFormOf((await submitForm(gateway, login, { outcome: '313' })).body)
    t.equal(failed.action, REQUEST.UrlError)
    t.equal(failed.fields['GlosaError'], '313')

    const dotted = onlyFormOf(
      (await submitForm(gateway, login, { outcome: 'ok', run: '12.345.678-5' })).body,
    )
    t.equal(dotted.action, REQUEST.UrlRetoma, 'the same RUN typed with dots logs in')

    for (const outcome of ['ok', '308']) {
      const other = onlyFormOf(
        (await submitForm(gateway, login, { outcome, run: '10000013-K' })).body,
      )
      t.equal(other.fields['GlosaError'], '311', `another RUN gives 311 (${outcome} chosen)`)
    }

    const invalid = await submitForm(gateway, login, { outcome: 'ok', run: '12345678-4' })
    t.match(invalid.body, /role="alert"/, 'invalid RUN stays on ClaveÚnica')
    t.match(invalid.body, /name="outcome"/)
    t.notMatch(invalid.body, /id="autopost"/, 'nothing posted back')

    const unknown = await submitForm(gateway, login, { outcome: '210' })
    t.equal(unknown.statusCode, 400, 'a removed code is not offered')
    const startOnly = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', REQUEST)
    const noClose = await submitForm(gateway, onlyFormOf(startOnly.body), { outcome: '313' })
    t.equal(noClose.statusCode, 400, '313 only on a close')

    const tampered = await submitForm(gateway, login, { request: 'not-base64-json' })
    t.equal(tampered.statusCode, 400)

    // The request comes back from the browser: URLs edited in it are checked again.
    const decoded = JSON.parse(
      Buffer.from(login.fields['request'] as string, 'base64url').toString(),
    )
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,x',
      `https://${'a'.repeat(100)}.cl/`,
    ]) {
      const edited = { ...decoded, fields: { ...decoded.fields, UrlRetoma: url } }
      const answer = await submitForm(gateway, login, {
        outcome: 'ok',
        request: Buffer.from(JSON.stringify(edited)).toString('base64url'),
      })
      t.equal(answer.statusCode, 400, `UrlRetoma ${url.slice(0, 20)} refused`)
      t.notMatch(answer.body, /id="autopost"/, 'nothing posted')
    }
  })

  t.test('Token never echoed', async (t) => {
    const page = await postToSimulator(gateway, '/rcetest/Registro/IniciarSesion', REQUEST)
    const login = onlyFormOf(page.body)
    const decoded = Buffer.from(login.fields['request'] as string, 'base64url').toString()
    t.notMatch(decoded, REQUEST.Token)
    const answer = await submitForm(gateway, login, { outcome: 'ok' })
    t.notMatch(answer.body, REQUEST.Token)
  })
})
