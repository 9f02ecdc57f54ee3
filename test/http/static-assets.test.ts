// The pages' own assets: cache headers by URL, and nothing from another site.

import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'node-html-parser'
import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'

const TEMPLATES = fileURLToPath(new URL('../../src/pages/templates/', import.meta.url))

t.test('asset URLs and their cache headers', async (t) => {
  const gateway = await startTestGateway(t)
  const page = await gateway.app.inject({ url: '/go/AAAAAAAAAAAAAAAAAAAAAA' })
  const href = parse(page.body).querySelector('link[rel="stylesheet"]')?.getAttribute('href') ?? ''
  t.match(href, /^\/assets\/gateway\.css\?v=[0-9a-f]{10}$/, 'pages link a versioned URL')

  const versioned = await gateway.app.inject({ url: href })
  t.equal(versioned.statusCode, 200)
  t.equal(versioned.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.match(versioned.headers['content-type'], /^text\/css/)
  t.ok(versioned.headers['etag'], 'an ETag for revalidation')

  const plain = await gateway.app.inject({ url: '/assets/gateway.css' })
  t.equal(plain.headers['cache-control'], 'public, max-age=3600', 'no version: an hour')
  const stale = await gateway.app.inject({ url: '/assets/gateway.css?v=0000000000' })
  t.equal(stale.headers['cache-control'], 'public, max-age=3600', 'an old version: an hour')
  t.equal(plain.headers['cross-origin-resource-policy'], 'same-origin')

  const embed = await gateway.app.inject({ url: '/assets/session-widget.js' })
  t.equal(embed.statusCode, 200)
  t.equal(
    embed.headers['cross-origin-resource-policy'],
    'cross-origin',
    'LMS pages may load the embed script',
  )
  t.match(embed.headers['content-type'], /javascript/)

  t.equal((await gateway.app.inject({ url: '/assets/../app.ts' })).statusCode, 404)
})

t.test('templates and assets load nothing from another site', async (t) => {
  const files = readdirSync(TEMPLATES, { recursive: true, encoding: 'utf8' }).filter((file) =>
    file.endsWith('.eta'),
  )
  t.ok(files.length >= 20, `${files.length} templates`)
  for (const file of files) {
    const text = readFileSync(`${TEMPLATES}${file}`, 'utf8')
    const sources = [...text.matchAll(/(?:src|href)="([^"]*)"/g)].map((match) => match[1] as string)
    const external = sources.filter(
      (url) => /^(https?:)?\/\//.test(url) && url !== 'https://claveunica.gob.cl/',
    )
    t.same(external, [], `${file}: only links to claveunica.gob.cl leave the gateway`)
  }
  const css = readdirSync(new URL('../../src/pages/static/', import.meta.url)).filter((file) =>
    file.endsWith('.css'),
  )
  for (const file of css) {
    const text = readFileSync(new URL(`../../src/pages/static/${file}`, import.meta.url), 'utf8')
    t.notMatch(text, /@import|url\(/, `${file}: no imported files or fonts`)
  }
})
