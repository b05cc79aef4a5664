#!/usr/bin/env node
// The `shoal` command. The polyfill must load before anything that may pull in libp2p.
await import('../dist/src/polyfill.js')
const { main } = await import('../dist/src/cli/index.js')
// `shoal blobs | head`: the reader went away; stop as a SIGPIPE would (128 + 13), without a stack trace.
process.stdout.on('error', err => {
  if (err.code === 'EPIPE') process.exit(141)
  throw err
})
process.exitCode = await main(process.argv.slice(2))
