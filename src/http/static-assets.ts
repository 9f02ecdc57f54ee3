// The pages' stylesheets and scripts, served by the gateway itself under
// /assets/ (SENCE-facing pages must load in a locked-down network, so no
// CDN). Pages link each file with `?v=` and the first characters of its
// SHA-256, so a browser may keep a linked file for a year: a changed file
// gets a new URL. A URL without the right `v`, such as the one LMSs use
// for the widget's embed script, is cached for an hour only.

import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export const ASSETS_PREFIX = '/assets/'
const VERSIONED_CACHE_CONTROL = 'public, max-age=31536000, immutable'
const UNVERSIONED_CACHE_CONTROL = 'public, max-age=3600'

/** Assets that other sites' pages load: the session widget's embed script, on the LMS's course page. */
const CROSS_ORIGIN_ASSETS = new Set(['session-widget.js'])

/** Each file's versioned URL by its name, such as `gateway.css` → `/assets/gateway.css?v=1a2b3c4d5e`. */
export type AssetUrls = Readonly<Record<string, string>>

export function assetUrls(directory: string): AssetUrls {
  const urls: Record<string, string> = {}
  for (const name of readdirSync(directory)) {
    urls[name] = `${ASSETS_PREFIX}${name}?v=${versionOf(path.join(directory, name))}`
  }
  return urls
}

export async function registerStaticAssets(
  app: FastifyInstance,
  directory: string,
  urls: AssetUrls,
): Promise<void> {
  await app.register(fastifyStatic, {
    root: directory,
    prefix: ASSETS_PREFIX,
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      const name = path.basename(filePath)
      const { v } = reply.request.query as { v?: string }
      const versioned = v !== undefined && urls[name] === `${ASSETS_PREFIX}${name}?v=${v}`
      reply.header('cache-control', versioned ? VERSIONED_CACHE_CONTROL : UNVERSIONED_CACHE_CONTROL)
      // @fastify/helmet's same-origin policy would keep the LMS's page from running the script.
      if (CROSS_ORIGIN_ASSETS.has(name))
        reply.header('cross-origin-resource-policy', 'cross-origin')
    },
  })
}

function versionOf(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 10)
}
