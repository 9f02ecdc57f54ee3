// Runs `prisma generate` offline. The Prisma CLI 7.10 first checks for its
// native schema engine and tries to download it, although generate never
// runs it; naming any existing file in PRISMA_SCHEMA_ENGINE_BINARY skips
// the download. Migrations use the WebAssembly engine instead (see
// src/persistence/schema-engine.ts).

import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const env = { ...process.env }
env['PRISMA_SCHEMA_ENGINE_BINARY'] ??= fileURLToPath(import.meta.url)
env['PRISMA_HIDE_UPDATE_MESSAGE'] = '1'

const prisma = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url))
const result = spawnSync(process.execPath, [prisma, 'generate'], { stdio: 'inherit', env })
process.exit(result.status ?? 1)
