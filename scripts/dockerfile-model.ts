// Reads a Dockerfile into its build stages with dockerfile-ast (the parser
// of the Dockerfile language server), for the checks of
// test/ops/dockerfile.test.ts and for scripts/dockerfile-dry-run.ts.

import { DockerfileParser, type Env, type Instruction } from 'dockerfile-ast'

export interface DockerInstruction {
  keyword: string
  /** The arguments as written, with line continuations joined. */
  content: string
  /** The arguments split on whitespace, as the parser splits them. */
  args: string[]
  /** Flags such as COPY --from=stage, by name. */
  flags: Record<string, string>
  /** ENV's variables; empty for other instructions. */
  env: Record<string, string>
  /** One-based line in the Dockerfile. */
  line: number
}

export interface DockerStage {
  /** The AS name, or null. */
  name: string | null
  image: string
  instructions: DockerInstruction[]
}

export function readDockerfileStages(text: string): DockerStage[] {
  const stages: DockerStage[] = []
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const read = readInstruction(instruction)
    if (read.keyword === 'FROM') {
      const [image = '', as, name] = read.args
      stages.push({
        name: as?.toUpperCase() === 'AS' ? (name ?? null) : null,
        image,
        instructions: [],
      })
      continue
    }
    const stage = stages.at(-1)
    if (stage === undefined) throw new Error(`line ${read.line}: ${read.keyword} before any FROM`)
    stage.instructions.push(read)
  }
  return stages
}

/** Returns the JSON array of an exec-form instruction (CMD ["a"]), or null for the shell form. */
export function execForm(content: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(content)
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : null
  } catch {
    return null
  }
}

function readInstruction(instruction: Instruction): DockerInstruction {
  const keyword = instruction.getKeyword().toUpperCase()
  const flags: Record<string, string> = {}
  const withFlags = instruction as Instruction & {
    getFlags?: () => { getName(): string; getValue(): string | null }[]
  }
  for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue() ?? ''

  const env: Record<string, string> = {}
  if (keyword === 'ENV')
    for (const property of (instruction as Env).getProperties())
      env[property.getName()] = property.getValue() ?? ''

  return {
    keyword,
    content: instruction.getArgumentsContent() ?? '',
    args: instruction.getArguments().map((argument) => argument.getValue()),
    flags,
    env,
    line: instruction.getRange().start.line + 1,
  }
}
