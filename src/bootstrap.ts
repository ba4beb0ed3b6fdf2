#!/usr/bin/env node
// The bootstrap node's command line. The runtime check comes first, before libp2p is loaded.
import { useSmallBufferPool } from './tuning/buffer-pool.js'
import { assertSupportedRuntime } from './runtime-check.js'

assertSupportedRuntime()
useSmallBufferPool()
const { runCli } = await import('./cli/main.js')
process.exit(await runCli('bootstrap', process.argv.slice(2)))
