#!/usr/bin/env node
// Entry point of the `sence-gateway` command. Node 24 runs this TypeScript
// file directly by stripping its types; older Node versions cannot, and npm
// scripts and npx use the Node 24 that the `node` devDependency installs.
const major = Number(process.versions.node.split('.')[0])
if (major < 24) {
  console.error(
    `sence-gateway needs Node.js 24 or later, but runs on ${process.version}. ` +
      'Start it through npm (`npm start`, `npx sence-gateway ...`), which uses the Node 24 in node_modules.',
  )
  process.exit(1)
}

const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
