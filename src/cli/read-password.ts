// Reads a password for the command line from stdin, never from argv, where
// it would land in the shell history and in `ps` output. On a terminal it
// asks twice without echo; from a pipe it reads the first line.

import { createInterface } from 'node:readline/promises'
import { Writable } from 'node:stream'
import { UsageError } from './usage-error.ts'

export async function readPassword(prompt: string): Promise<string> {
  if (process.stdin.isTTY !== true) return readFirstLine()

  const first = await askHidden(`${prompt}: `)
  const second = await askHidden(`${prompt} (again): `)
  if (first !== second) throw new UsageError('the two passwords differ; nothing was changed')
  return first
}

async function readFirstLine(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  const line = text.split(/\r?\n/)[0] ?? ''
  if (line === '') throw new UsageError('no password on stdin: pipe it in, or run on a terminal')
  return line
}

/** Asks on stderr with echo off: keystrokes go to a stream that drops them. */
async function askHidden(question: string): Promise<string> {
  process.stderr.write(question)
  const silent = new Writable({ write: (_chunk, _encoding, callback) => callback() })
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true })
  try {
    return await reader.question('')
  } finally {
    reader.close()
    process.stderr.write('\n')
  }
}
