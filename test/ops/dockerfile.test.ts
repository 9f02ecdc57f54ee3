// The Dockerfile, checked without a Docker engine. dockerfile-utils (the
// validator of the Dockerfile language server) lints it, and dockerfile-ast
// reads it for what the image must be: multi-stage on the official Node 24
// image, a non-root user, production dependencies only, a health check, and
// an exec-form entrypoint that receives SIGTERM.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { validate } from 'dockerfile-utils'
import t from 'tap'
import { execForm, readDockerfileStages } from '../../scripts/dockerfile-model.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dockerfileText = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
const stages = readDockerfileStages(dockerfileText)
const finalStage = stages.at(-1)!
const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'))

const instructions = (keyword: string) =>
  finalStage.instructions.filter((instruction) => instruction.keyword === keyword)

t.test('dockerfile-utils finds no problem', async (t) => {
  t.same(validate(dockerfileText), [])
})

t.test('linter catches a broken Dockerfile', async (t) => {
  const broken = dockerfileText
    .replace('USER node', 'USR node')
    .replace('--interval=15s', '--interval=often')
  const messages = validate(broken).map((diagnostic) => String(diagnostic.message))
  t.ok(messages.some((message) => /Unknown instruction: USR/.test(message)))
  t.ok(messages.some((message) => /invalid duration often/.test(message)))
})

t.test('stages on the official Node 24 image', async (t) => {
  t.ok(stages.length >= 2, 'multi-stage')
  for (const stage of stages) t.match(stage.image, /^node:24(-[a-z0-9.-]+)?$/, stage.image)
})

t.test('image runs as a non-root user', async (t) => {
  const users = instructions('USER')
  t.equal(users.length, 1)
  t.notMatch(users[0]?.content, /^(root|0)(:|$)/)
  const userLine = users[0]?.line ?? Infinity
  for (const keyword of ['ENTRYPOINT', 'CMD', 'HEALTHCHECK'])
    t.ok(instructions(keyword)[0]!.line > userLine, `${keyword} after USER`)
})

t.test('image has production dependencies only', async (t) => {
  const modules = instructions('COPY').filter((copy) => copy.args.at(-1) === './node_modules')
  t.equal(modules.length, 1)
  const source = stages.find((stage) => stage.name === modules[0]?.flags['from'])
  t.ok(source, 'node_modules come from a build stage')
  const pruned = source?.instructions.some(
    (instruction) =>
      instruction.keyword === 'RUN' && /npm (prune|ci) [^&]*--omit=dev/.test(instruction.content),
  )
  t.ok(pruned, 'that stage drops the dev dependencies')
  t.same(
    finalStage.instructions.filter((instruction) => instruction.keyword === 'RUN'),
    [],
  )
})

t.test('image checks its health and takes signals', async (t) => {
  const healthcheck = instructions('HEALTHCHECK')[0]
  t.same(execForm(healthcheck?.content.replace(/^CMD\s+/, '') ?? ''), [
    'node',
    'docker/healthcheck.js',
  ])
  t.same(execForm(instructions('ENTRYPOINT')[0]?.content ?? ''), ['node', 'bin/sence-gateway.ts'])
  t.same(execForm(instructions('CMD')[0]?.content ?? ''), ['serve'])
  const env = Object.assign({}, ...instructions('ENV').map((instruction) => instruction.env))
  t.equal(env.NODE_ENV, 'production')
  t.equal(env.HOST, '0.0.0.0')
})

t.test('COPY sources in the build context', async (t) => {
  for (const stage of stages)
    for (const copy of stage.instructions.filter((instruction) => instruction.keyword === 'COPY')) {
      if (copy.flags['from'] !== undefined) continue
      for (const source of copy.args.slice(0, -1)) {
        t.ok(existsSync(path.join(ROOT, source)), `${source} exists`)
        t.notOk(
          dockerignore.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
          `${source} is not in .dockerignore`,
        )
      }
    }
})

/** Returns every file under bin and src, which the image copies. */
function imageSourceFiles(): string[] {
  const files: string[] = []
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const full = path.join(directory, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (/\.(ts|js|mjs)$/.test(name)) files.push(full)
    }
  }
  walk(path.join(ROOT, 'bin'))
  walk(path.join(ROOT, 'src'))
  return files
}

/** Module specifiers that survive type stripping: `import type` is erased, the rest is loaded. */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = []
  const patterns = [
    /^\s*(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string)
  return specifiers
}

t.test('image code imports production packages only', async (t) => {
  const dependencies = new Set(Object.keys(packageJson.dependencies))
  const allowedRoots = ['bin', 'src'].map((folder) => path.join(ROOT, folder) + path.sep)
  const problems: string[] = []
  let checked = 0

  for (const file of imageSourceFiles()) {
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      checked += 1
      const where = path.relative(ROOT, file)
      if (specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(file), specifier)
        if (!allowedRoots.some((root) => target.startsWith(root)))
          problems.push(`${where} imports ${specifier}, outside the image's bin and src`)
        continue
      }
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue
      const parts = specifier.split('/')
      const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
      if (!dependencies.has(name))
        problems.push(`${where} imports ${name}, which is not in "dependencies"`)
    }
  }
  t.ok(checked > 100, `read ${checked} imports`)
  t.same(problems, [])
})

t.test('import scan sees through type imports', async (t) => {
  t.same(
    runtimeImports(
      "import type { A } from 'typescript'\nimport pino from 'pino'\nexport { b } from './b.ts'\nconst c = await import('../c.ts')\nimport 'side-effect'",
    ),
    ['pino', './b.ts', 'side-effect', '../c.ts'],
  )
})
