// After `npm install`: generates the Prisma client, then, when the dev
// dependencies are installed, rebuilds tap's plugin set from .taprc. tap
// compiles its plugins into node_modules, and a fresh install would bring
// back its TypeScript plugin, which Node 24's own type stripping replaces.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

run([fileURLToPath(new URL('./prisma-generate.ts', import.meta.url))])

const tapBin = fileURLToPath(new URL('../node_modules/tap/dist/esm/run.mjs', import.meta.url))
if (existsSync(tapBin)) run([tapBin, 'build'])
