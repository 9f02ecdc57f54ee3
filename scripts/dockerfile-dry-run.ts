// Runs the Dockerfile's steps without Docker, as far as they can run here.
// Each stage is built in its own temporary folder, which stands in for
// WORKDIR. COPY is a file copy that honours .dockerignore, and RUN goes
// through /bin/sh with the stage's ENV. Then the final stage's ENTRYPOINT
// runs `migrate` and CMD against a fresh database on the test PostgreSQL,
// and its HEALTHCHECK runs against that server.
//
// What it cannot check: the base image itself (the steps run on this
// machine's Debian with the Node 24 of node_modules and the machine's npm),
// USER (everything runs as the current user), and the Docker build cache.
//
// Usage: node scripts/dockerfile-dry-run.ts [--keep]   (npm run check:image)

import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateEncryptionKey } from '../src/security/secret-box.ts'
import { databaseUrl, withAdminClient } from '../test/helpers/test-database.ts'
import { freePort } from '../test/helpers/gateway-process.ts'
import { execForm, readDockerfileStages, type DockerStage } from './dockerfile-model.ts'

const CONTEXT = fileURLToPath(new URL('../', import.meta.url))
/** The image's WORKDIR, for which each stage's folder stands in. */
const IMAGE_WORKDIR = '/app'
/** Node 24 first on PATH, so that RUN's `node` and `npm` run on it. */
const PATH = `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}`

interface BuiltStage {
  name: string | null
  directory: string
  env: Record<string, string>
  entrypoint: string[]
  cmd: string[]
  healthcheck: string[]
}

const keep = process.argv.includes('--keep')
const workRoot = mkdtempSync(path.join(os.tmpdir(), 'sg-dockerfile-'))
const ignored = readFileSync(path.join(CONTEXT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))

try {
  const stages = readDockerfileStages(readFileSync(path.join(CONTEXT, 'Dockerfile'), 'utf8'))
  const built: BuiltStage[] = []
  for (const [index, stage] of stages.entries()) built.push(buildStage(stage, index, built))
  const final = built.at(-1) as BuiltStage
  checkNoDevDependencies(final)
  await smokeTest(final)
  console.log('dockerfile dry run: every step ran, and the final stage migrates and serves')
} catch (error) {
  console.error(`dockerfile dry run failed: ${(error as Error).message}`)
  process.exitCode = 1
} finally {
  if (keep) console.log(`stages kept in ${workRoot}`)
  else rmSync(workRoot, { recursive: true, force: true })
}

function buildStage(stage: DockerStage, index: number, earlier: BuiltStage[]): BuiltStage {
  const directory = path.join(workRoot, `stage-${index}`)
  mkdirSync(directory)
  const built: BuiltStage = {
    name: stage.name,
    directory,
    env: {},
    entrypoint: [],
    cmd: [],
    healthcheck: [],
  }
  console.log(`stage ${index} (${stage.name ?? 'final'}) from ${stage.image}`)

  for (const instruction of stage.instructions) {
    const where = `Dockerfile line ${instruction.line}`
    switch (instruction.keyword) {
      case 'WORKDIR':
        if (instruction.content !== IMAGE_WORKDIR)
          throw new Error(`${where}: only WORKDIR ${IMAGE_WORKDIR} is supported`)
        break
      case 'ENV':
        Object.assign(built.env, instruction.env)
        break
      case 'COPY': {
        const from = instruction.flags['from']
        const sources = instruction.args.slice(0, -1)
        const destination = instruction.args.at(-1) as string
        const source = from === undefined ? null : earlier.find((stage) => stage.name === from)
        if (from !== undefined && source === undefined)
          throw new Error(`${where}: no stage named ${from}`)
        for (const item of sources) copy(item, destination, directory, source ?? null, where)
        break
      }
      case 'RUN': {
        console.log(`  RUN ${instruction.content}`)
        const result = spawnSync('/bin/sh', ['-c', instruction.content], {
          cwd: directory,
          env: { ...process.env, ...built.env, PATH },
          stdio: 'inherit',
        })
        if (result.status !== 0) throw new Error(`${where}: RUN exited ${result.status}`)
        break
      }
      case 'ENTRYPOINT':
        built.entrypoint = requireExecForm(instruction.content, where)
        break
      case 'CMD':
        built.cmd = requireExecForm(instruction.content, where)
        break
      case 'HEALTHCHECK':
        built.healthcheck = requireExecForm(instruction.content.replace(/^CMD\s+/, ''), where)
        break
      case 'USER':
      case 'EXPOSE':
        break
      default:
        throw new Error(`${where}: ${instruction.keyword} is not supported by this dry run`)
    }
  }
  return built
}

/** Copies as COPY does: a directory's contents into the destination, a file into it or onto it. */
function copy(
  item: string,
  destination: string,
  directory: string,
  fromStage: BuiltStage | null,
  where: string,
): void {
  const sourcePath =
    fromStage === null
      ? path.join(CONTEXT, item)
      : path.join(fromStage.directory, path.relative(IMAGE_WORKDIR, item))
  if (!existsSync(sourcePath)) throw new Error(`${where}: COPY source ${item} does not exist`)
  const targetBase = path.resolve(directory, destination)
  const target =
    statSync(sourcePath).isFile() && destination.endsWith('/')
      ? path.join(targetBase, path.basename(item))
      : targetBase
  console.log(
    `  COPY ${fromStage === null ? '' : `--from=${fromStage.name} `}${item} ${destination}`,
  )
  cpSync(sourcePath, target, {
    recursive: true,
    filter: (candidate) =>
      fromStage !== null || !isIgnored(path.relative(CONTEXT, candidate).split(path.sep).join('/')),
  })
}

/** Plain-path .dockerignore entries only: a glob would need Docker's own matcher. */
function isIgnored(relativePath: string): boolean {
  return ignored.some((pattern) => {
    if (/[*?[\]!]/.test(pattern))
      throw new Error(
        `.dockerignore pattern ${pattern} uses globs, which this dry run cannot match`,
      )
    return relativePath === pattern || relativePath.startsWith(`${pattern}/`)
  })
}

function requireExecForm(content: string, where: string): string[] {
  const form = execForm(content)
  if (form === null) throw new Error(`${where}: expected the exec (JSON array) form`)
  return form
}

/**
 * Fails when node_modules holds a package that package-lock.json marks as
 * needed by development only (`dev`), or by development and optional peers
 * only (`devOptional`, such as the Prisma CLI).
 */
function checkNoDevDependencies(final: BuiltStage): void {
  const lock = JSON.parse(readFileSync(path.join(CONTEXT, 'package-lock.json'), 'utf8'))
  const devOnly = Object.entries(
    lock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>,
  )
    .filter(
      ([location, entry]) => location !== '' && (entry.dev === true || entry.devOptional === true),
    )
    .map(([location]) => location)
  const present = devOnly.filter((location) => existsSync(path.join(final.directory, location)))
  if (present.length > 0)
    throw new Error(`the final stage has dev-only packages: ${present.slice(0, 10).join(', ')}`)
  console.log(`final stage: none of the ${devOnly.length} dev-only packages of the lock file`)
}

/** Runs the final stage's commands with only its own files, against a fresh database. */
async function smokeTest(final: BuiltStage): Promise<void> {
  const [program, ...entryArgs] = final.entrypoint
  if (program !== 'node') throw new Error(`ENTRYPOINT starts ${program}, expected node`)
  const name = `sg_dryrun_${randomBytes(6).toString('hex')}`
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`))
  const port = await freePort()
  const env = {
    ...final.env,
    PATH,
    DATABASE_URL: databaseUrl(name),
    ENCRYPTION_KEYS: generateEncryptionKey('dryrun'),
    PUBLIC_BASE_URL: 'https://gateway.example.cl',
    // The image listens on 0.0.0.0; here the server stays on loopback.
    HOST: '127.0.0.1',
    PORT: String(port),
  }
  const node = process.execPath

  try {
    const migrate = spawnSync(node, [...entryArgs, 'migrate'], {
      cwd: final.directory,
      env,
      encoding: 'utf8',
    })
    if (migrate.status !== 0) throw new Error(`migrate exited ${migrate.status}: ${migrate.stderr}`)
    console.log('final stage: `migrate` applied the migrations')

    const server = spawn(node, [...entryArgs, ...final.cmd], { cwd: final.directory, env })
    let output = ''
    server.stdout.on('data', (chunk) => (output += chunk))
    server.stderr.on('data', (chunk) => (output += chunk))
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
    try {
      const deadline = Date.now() + 30_000
      while (!output.includes('sence-gateway listening')) {
        if (Date.now() > deadline || server.exitCode !== null)
          throw new Error(`${final.cmd.join(' ')} did not start:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const [checkProgram, ...checkArgs] = final.healthcheck
      for (const extra of [[], ['/readyz']]) {
        const check = spawnSync(
          checkProgram === 'node' ? node : (checkProgram as string),
          [...checkArgs, ...extra],
          { cwd: final.directory, env },
        )
        if (check.status !== 0)
          throw new Error(
            `HEALTHCHECK ${[...checkArgs, ...extra].join(' ')} exited ${check.status}`,
          )
      }
      console.log('final stage: `serve` started, HEALTHCHECK passes on /healthz and /readyz')
    } finally {
      server.kill('SIGTERM')
    }
    const code = await exited
    if (code !== 0) throw new Error(`serve exited ${code} after SIGTERM:\n${output}`)
    console.log('final stage: SIGTERM stopped serve with status 0')
  } finally {
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
}
