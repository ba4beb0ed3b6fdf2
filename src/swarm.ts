#!/usr/bin/env node
// The swarm harness's command line. The runtime check comes first, before libp2p is loaded.
import { assertSupportedRuntime } from './runtime-check.js'

assertSupportedRuntime()
const { runSwarmCli } = await import('./cli/swarm.js')
process.exit(await runSwarmCli(process.argv.slice(2)))
