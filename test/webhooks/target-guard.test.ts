import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import {
  checkWebhookTarget,
  nonPublicRange,
  webhookUrlShapeProblems,
} from '../../src/webhooks/target-guard.ts'
import { createWebhookSender } from '../../src/webhooks/send-attempt.ts'

t.test('non-public addresses are named', async (t) => {
  const cases: [string, string | null][] = [
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.9', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.100.100.200', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['::127.0.0.1', 'loopback'],
    ['::169.254.169.254', 'linkLocal'],
    ['8.8.8.8', null],
    ['2001:4860:4860::8888', null],
  ]
  for (const [address, range] of cases) t.equal(nonPublicRange(address), range, address)
})

t.test('registration check refuses private targets', async (t) => {
  const refused = [
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.5/hook',
    'http://[::ffff:192.168.0.1]/hook',
  ]
  for (const url of refused)
    t.match(await checkWebhookTarget(url, false), /not a public address/, url)
  t.equal(await checkWebhookTarget('https://8.8.8.8/hook', false), null, 'a public literal passes')
  t.match(await checkWebhookTarget('https://no-such-host.invalid/hook', false), /does not resolve/)
  t.equal(
    await checkWebhookTarget('http://127.0.0.1:8080/hook', true),
    null,
    'allowed when configured',
  )
  t.equal(await checkWebhookTarget('http://10.0.0.5/hook', true), null, 'private too')
  for (const url of [
    'http://169.254.169.254/latest',
    'http://[fe80::1]/hook',
    'http://0.0.0.0/hook',
  ])
    t.match(
      await checkWebhookTarget(url, true),
      /never go to this range/,
      `${url} stays refused when private targets are allowed`,
    )
})

t.test('URL shape is checked', async (t) => {
  t.match(webhookUrlShapeProblems('ftp://example.cl/x'), [/https or http/])
  t.match(webhookUrlShapeProblems('https://user:pw@example.cl/x'), [/user name or password/])
  t.match(webhookUrlShapeProblems('https://example.cl/x#frag'), [/fragment/])
  t.match(webhookUrlShapeProblems('/relative'), [/absolute URL/])
  t.match(webhookUrlShapeProblems(`https://example.cl/${'a'.repeat(2100)}`), [/at most 2048/])
  t.same(webhookUrlShapeProblems('https://lms.example.cl/sence/webhooks?x=1'), [])
})

t.test('delivery refuses private targets at connect time', async (t) => {
  let hits = 0
  const server = createServer((_request, response) => {
    hits += 1
    response.end('ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const port = (server.address() as AddressInfo).port

  const guarded = createWebhookSender({
    timeoutMs: 2000,
    allowPrivateTargets: false,
    userAgent: 'test',
  })
  t.teardown(() => guarded.close())
  const request = { body: '{}', headers: {} }

  const literal = await guarded.send({ ...request, url: `http://127.0.0.1:${port}/hook` })
  t.equal(literal.outcome, 'failed')
  t.match(literal.error, /127\.0\.0\.1 is not a public address \(loopback\)/)
  const named = await guarded.send({ ...request, url: `http://localhost:${port}/hook` })
  t.equal(named.outcome, 'failed')
  t.match(named.error, /localhost resolves to .* which is not a public address/)
  t.equal(named.statusCode, null)
  t.equal(hits, 0, 'no request reached the loopback server')

  const open = createWebhookSender({
    timeoutMs: 2000,
    allowPrivateTargets: true,
    userAgent: 'test',
  })
  t.teardown(() => open.close())
  const allowed = await open.send({ ...request, url: `http://localhost:${port}/hook` })
  t.equal(allowed.outcome, 'succeeded')
  t.equal(hits, 1)
})
