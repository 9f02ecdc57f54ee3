// The README's first step names the oldest Node.js that can run `npm
// install`; npm then installs Node 24 into node_modules, which runs the
// gateway. Packages in package-lock.json that declare engines no release
// of that Node satisfies (undici, pg-boss and cookie need Node 22 or later)
// make `npm install` print an EBADENGINE warning each. A new integrator
// would read those warnings as a failed install, so the README must say
// they are expected whenever such packages are locked.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// semver comes with npm's own tree (a dependency of several dev packages),
// without type declarations in this project.
const semver = createRequire(import.meta.url)('semver') as {
  intersects(range1: string, range2: string): boolean
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface LockedPackage {
  engines?: { node?: string }
}

t.test('README node minimum against engines', async (t) => {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8')
  const stated = /Node\.js (\d+) or later/.exec(readme)?.[1]
  t.ok(stated, 'the README states a minimum Node.js major version')

  const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
    packages: Record<string, LockedPackage>
  }
  const unsatisfiable = Object.entries(lock.packages)
    .filter(([name, entry]) => name !== '' && entry.engines?.node !== undefined)
    .filter(([, entry]) => !semver.intersects(`^${stated}`, entry.engines?.node as string))
    .map(([name, entry]) => `${name.replace(/^.*node_modules\//, '')} (${entry.engines?.node})`)
  if (unsatisfiable.length === 0) {
    t.pass(`every locked package accepts some Node ${stated} release`)
    return
  }
  t.match(readme, /EBADENGINE/, `the README explains the warnings of ${unsatisfiable.join(', ')}`)
  t.match(readme, /expected/, 'the README says the warnings are expected')
})
