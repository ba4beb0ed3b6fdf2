#!/usr/bin/env node
// A peer node's command line. The runtime check comes first, before libp2p is loaded.
import { assertSupportedRuntime } from './cli/runtime-check.js'

assertSupportedRuntime()
const { runCli } = await import('./cli/main.js')
process.exit(await runCli('peer', process.argv.slice(2)))
