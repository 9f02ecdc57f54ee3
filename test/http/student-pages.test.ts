// Every student page state renders, over inject, without a browser: the
// status, Spanish, the title, each paragraph, the link and the reference.
// test/browser/student-pages.test.ts checks the same pages in chromium.

import { parse } from 'node-html-parser'
import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { addMessagePageRoute, MESSAGE_PAGES } from '../helpers/student-page-states.ts'

t.test('every student page state', async (t) => {
  const gateway = await startTestGateway(t)
  addMessagePageRoute(gateway.app)
  t.ok(Object.keys(MESSAGE_PAGES).length >= 20)

  for (const [name, expected] of Object.entries(MESSAGE_PAGES)) {
    const response = await gateway.app.inject({ url: `/test-pages/${name}` })
    t.equal(response.statusCode, expected.status, `${name}: status`)
    t.equal(response.headers['cache-control'], 'no-store', `${name}: never cached`)
    const document = parse(response.body)
    t.equal(document.querySelector('html')?.getAttribute('lang'), 'es', `${name}: Spanish`)
    t.equal(document.querySelector('h1')?.textContent, expected.title, `${name}: title`)
    t.equal(document.querySelector('title')?.textContent, expected.title, `${name}: document title`)
    const paragraphs = document.querySelectorAll('main > p').map((node) => node.textContent.trim())
    for (const paragraph of expected.paragraphs)
      t.ok(paragraphs.includes(paragraph), `${name}: "${paragraph.slice(0, 40)}…"`)
    const link = document.querySelector('main a.button')
    t.equal(link?.getAttribute('href') ?? null, expected.link?.href ?? null, `${name}: link`)
    t.equal(
      document.querySelector('main code')?.textContent ?? null,
      expected.reference ?? null,
      `${name}: reference`,
    )
    t.equal(document.querySelectorAll('.simulation-banner').length, 0, `${name}: not a simulation`)
  }
})

t.test('the pages that tell a failure use the error table', async (t) => {
  const gateway = await startTestGateway(t)
  addMessagePageRoute(gateway.app)
  const page = await gateway.app.inject({ url: '/test-pages/result-start-failed-311-312' })
  const text = parse(page.body).querySelector('main')?.textContent ?? ''
  t.match(text, 'El RUN con que ingresaste a ClaveÚnica no es el del alumno inscrito')
  t.match(text, 'No se pudo completar tu ingreso con ClaveÚnica')
  t.match(text, 'Código SENCE 311;312')
  const overrun = await gateway.app.inject({ url: '/test-pages/result-close-failed-overrun' })
  t.match(parse(overrun.body).querySelector('main')?.textContent, 'estuvo abierta 195 minutos')
})
