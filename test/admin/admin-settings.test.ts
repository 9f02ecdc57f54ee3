// The OTEC's settings from the dashboard: environment, return origins,
// maximum length, the write-only SENCE Token and the webhook endpoints.

import { parse } from 'node-html-parser'
import t from 'tap'
import { createStaff, signedInClient } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'

const OLD_TOKEN = '12345678-1234-1234-1234-123456789'
const NEW_TOKEN = 'ABCDEFAB-1234-1234-1234-ABCDEFABCDEF'

const mainText = (html: string) =>
  parse(html).querySelector('main')?.textContent.replace(/\s+/g, ' ').trim() ?? ''

t.test('OTEC settings', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)
  const { prisma } = gateway.db
  const readOtec = () => prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } })
  const tokenOf = async () => gateway.secrets.open((await readOtec()).senceTokenSealed)

  const page = await client.get('/admin/settings')
  t.equal(page.statusCode, 200)
  const document = parse(page.body)
  t.equal(document.querySelector('#returnOrigins')?.textContent, 'https://lms.example.cl')
  t.equal(document.querySelector('#environment-test')?.hasAttribute('checked'), true)
  t.equal(
    document.querySelector('#senceToken')?.getAttribute('value'),
    '',
    'the Token field is empty',
  )
  t.notMatch(page.body, OLD_TOKEN, 'the Token is not in the page')

  const saved = await client.post(
    '/admin/settings',
    {
      name: 'OTEC renombrado',
      environment: 'production',
      returnOrigins:
        'https://lms.example.cl\r\nhttps://aula.example.cl/\r\n\r\nhttps://aula.example.cl',
      maxSessionMinutes: '150',
      senceToken: '',
    },
    '/admin/settings',
  )
  t.equal(saved.statusCode, 303)
  t.equal(saved.headers.location, '/admin/settings?notice=saved')
  const otec = await readOtec()
  t.equal(otec.name, 'OTEC renombrado')
  t.equal(otec.environment, 'production')
  t.same(
    otec.returnOrigins,
    ['https://lms.example.cl', 'https://aula.example.cl'],
    'normalised, once each',
  )
  t.equal(otec.maxSessionMinutes, 150)
  t.equal(await tokenOf(), OLD_TOKEN, 'a blank Token field keeps the Token')

  const after = await client.get('/admin/settings?notice=saved')
  t.match(mainText(after.body), /Los cambios quedaron guardados/)
  t.match(
    mainText(after.body),
    /1 clave de API es del otro ambiente/,
    'the test key stopped working',
  )
  t.match(after.body, /environment-production/)

  const replaced = await client.post(
    '/admin/settings',
    {
      name: 'OTEC renombrado',
      environment: 'production',
      returnOrigins: 'https://lms.example.cl',
      maxSessionMinutes: '150',
      senceToken: ` ${NEW_TOKEN} `,
    },
    '/admin/settings',
  )
  t.equal(replaced.statusCode, 303)
  t.equal(await tokenOf(), NEW_TOKEN, 'a new Token replaces the old one')
  t.notMatch((await client.get('/admin/settings')).body, NEW_TOKEN)
  t.notMatch(gateway.logText(), NEW_TOKEN, 'nor the log')

  const before = await readOtec()
  const invalid = await client.post(
    '/admin/settings',
    {
      name: ' ',
      environment: 'staging',
      returnOrigins: 'https://lms.example.cl/path\nftp://files.example.cl',
      maxSessionMinutes: '0',
      senceToken: 'x'.repeat(40),
    },
    '/admin/settings',
  )
  t.equal(invalid.statusCode, 422)
  const problems = parse(invalid.body)
    .querySelectorAll('.problems li')
    .map((node) => node.textContent)
  t.equal(problems.length, 6, 'every problem at once')
  t.match(problems.join(' '), /"https:\/\/lms.example.cl\/path" no es un origen/)
  t.match(problems.join(' '), /40 caracteres; SENCE acepta como máximo 36/)
  t.notMatch(invalid.body, 'x'.repeat(40), 'not even a rejected Token is shown')
  t.equal(
    parse(invalid.body).querySelector('#returnOrigins')?.textContent,
    'https://lms.example.cl/path\nftp://files.example.cl',
    'the form keeps what was typed',
  )
  t.same(await readOtec(), before, 'nothing changed')
})

t.test('webhook endpoints', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)
  const { prisma } = gateway.db

  const refused = await client.post(
    '/admin/settings/webhooks',
    { url: 'http://127.0.0.1:9/hook' },
    '/admin/settings',
  )
  t.equal(refused.statusCode, 422)
  t.match(mainText(refused.body), /La URL del webhook no es aceptable/)

  const created = await client.post(
    '/admin/settings/webhooks',
    { url: 'https://8.8.8.8/hook', eventTypes: ['session.closed', 'session.close_failed'] },
    '/admin/settings',
  )
  t.equal(created.statusCode, 200)
  const secret = parse(created.body).querySelector('.secret code')?.textContent ?? ''
  t.match(secret, /^whsec_/, 'the secret, this once')
  const endpoint = await prisma.webhookEndpoint.findFirstOrThrow({
    where: { otecId: gateway.otec.id },
  })
  t.same(endpoint.eventTypes, ['session.closed', 'session.close_failed'])
  t.equal(gateway.secrets.open(endpoint.secretSealed), secret)

  const settings = await client.get('/admin/settings')
  t.match(
    mainText(settings.body),
    /https:\/\/8\.8\.8\.8\/hook session\.closed, session\.close_failed Activo/,
  )
  t.notMatch(settings.body, secret, 'never shown again')

  const action = (name: string) =>
    client.post(`/admin/settings/webhooks/${endpoint.id}`, { action: name }, '/admin/settings')
  const tested = await action('test')
  t.equal(tested.headers.location, '/admin/settings?notice=tested')
  t.equal(
    await prisma.webhookDelivery.count({
      where: { endpointId: endpoint.id, event: { type: 'webhook.test' } },
    }),
    1,
  )
  const disabled = await action('disable')
  t.equal(disabled.headers.location, '/admin/settings?notice=disabled')
  t.equal(
    (await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled,
    false,
  )
  t.equal((await action('test')).statusCode, 409, 'no test to a disabled endpoint')
  await action('enable')
  t.equal(
    (await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled,
    true,
  )
  const rotated = await action('rotate')
  const newSecret = parse(rotated.body).querySelector('.secret code')?.textContent ?? ''
  t.match(newSecret, /^whsec_/)
  t.not(newSecret, secret)
  t.equal((await action('explode')).statusCode, 400)

  const other = await gateway.createOtec()
  const outsider = await createStaff(gateway, { otecId: other.id })
  const outsiderClient = await signedInClient(gateway, outsider.email)
  const foreign = await outsiderClient.post(
    `/admin/settings/webhooks/${endpoint.id}`,
    { action: 'disable' },
    '/admin/settings',
  )
  t.equal(foreign.statusCode, 404, "another OTEC's endpoint is not found")
  t.equal(
    (await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } })).enabled,
    true,
  )
})
