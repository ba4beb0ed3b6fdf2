import { createNode } from '../create-node.js'
import { VERSION } from '../version.js'
import { parseCliArgs, usage, UsageError } from './args.js'
import { CONSOLE_HELP, startConsole } from './console.js'
import { createPrinter } from './printer.js'
import { messageOf, nameOf } from '../errors.js'
import type { Role } from '../config.js'
import type { P2PNode } from '../p2p-node.js'

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/**
 * Runs a bootstrap or a peer node from its command line until it is told to stop. Resolves with the exit code:
 * 0 after a graceful stop, 1 when the node cannot start, 2 for a bad command line. The first SIGINT or SIGTERM
 * stops the node gracefully; a second one exits at once.
 */
export async function runCli (role: Role, argv: string[], io: CliIo = process): Promise<number> {
  let options
  try {
    options = parseCliArgs(role, argv, process.env)
  } catch (err) {
    io.stderr.write(nameOf(err) === UsageError.name ? `error: ${messageOf(err)} (see --help)\n` : `error: ${messageOf(err)}\n`)
    return 2
  }
  if (options.help) {
    io.stdout.write(`${usage(role)}\n`)
    return 0
  }
  const print = createPrinter(options.logLevel, io.stdout, io.stderr)

  let node: P2PNode
  try {
    // started below, once every line it prints has a listener: a start may take a while to reach a bootstrap
    node = await createNode({ ...options.init, start: false })
  } catch (err) {
    print.error(startupFailure(err, argv, options.init.http?.port))
    return nameOf(err) === 'InvalidOptionError' ? 2 : 1
  }

  node.addEventListener('listening', () => { printBanner(node, print, options.init.bootstrap ?? []) })
  node.addEventListener('message', (evt) => {
    const { kind, fromName, text } = evt.detail
    print.out(`[${kind}] ${fromName}: ${text}`)
  })
  node.http?.log.subscribe((message) => {
    if (message.kind === 'http') print.out(`[http] ${message.fromName}: ${message.text}`)
  })
  // while joining, every failed attempt to reach a bootstrap is said; once joined, bootstraps that come and go are
  // routine (GET /network and the debug log tell)
  let joined = false
  let toldFailure = false
  node.addEventListener('bootstrap:failed', (evt) => {
    if (joined) return
    toldFailure = true
    print.info(`[joining] bootstrap ${evt.detail.address}: ${evt.detail.error}; trying again`)
  })
  node.addEventListener('joined', (evt) => {
    joined = true
    if (toldFailure) print.info(`[joining] reached bootstrap ${evt.detail.bootstrap.toString()}: registered`)
  })
  node.addEventListener('refused', (evt) => { print.error(evt.detail.message) })
  node.addEventListener('ready', () => {
    print.info(`ready: joined the network (size ${node.networkStatus().size.size})`)
  })
  node.addEventListener('member:join', (evt) => { print.info(`[join] ${evt.detail.name} (${evt.detail.peerId.toString()})`) })
  node.addEventListener('member:leave', (evt) => { print.info(`[leave] ${evt.detail.name} left`) })
  node.addEventListener('member:dead', (evt) => { print.info(`[dead] ${evt.detail.name} is gone`) })
  // rare on an honest network, and a peer that keeps sending such messages is banned within seconds
  node.addEventListener('message:rejected', (evt) => { print.info(`[rejected] ${evt.detail.kind} from ${evt.detail.fromName}: ${evt.detail.reason}`) })
  node.addEventListener('peer:banned', (evt) => { print.info(`[banned] ${evt.detail.peerId.toString()}: ${evt.detail.reason}`) })

  // a signal while the node starts (it may be waiting for a bootstrap) stops it once started
  let stopRequested = false
  let stop = (_code?: number): void => { stopRequested = true }
  let stopping = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      print.error(`${signal} again: exiting at once`)
      process.exit(130)
    }
    stop()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await node.start()
  } catch (err) {
    print.error(startupFailure(err, argv, options.init.http?.port))
    return 1
  }

  return new Promise<number>((resolve) => {
    stop = (code = 0): void => {
      if (stopping) {
        return
      }
      stopping = true
      print.info('leaving the network...')
      closeConsole?.()
      node.leave().then(() => {
        print.info('stopped')
        resolve(code)
      }, (err: Error) => {
        print.error(`stop failed: ${err.message}`)
        resolve(1)
      })
    }
    node.addEventListener('shutdown', (evt) => {
      print.info(`network shutdown ordered by ${evt.detail.from.toString()}: ${evt.detail.reason}`)
      stop()
    })
    node.addEventListener('refused', () => { stop(1) })
    const closeConsole = startConsole(node, io.stdin, print, () => { stop() })
    if (!node.isStarted) { // refused while it started
      stop(1)
    } else if (stopRequested) {
      stop()
    }
  })
}

function printBanner (node: P2PNode, print: ReturnType<typeof createPrinter>, bootstraps: string[]): void {
  const addresses = node.multiaddrs
  print.out(`p2p-node ${VERSION} ${node.role} "${node.name}" started`)
  print.out(`peer id: ${node.peerId.toString()}`)
  print.out('listening on:')
  for (const ma of addresses) {
    print.out(`  ${ma}`)
  }
  if (node.httpUrl != null) {
    print.out(`HTTP API: ${node.httpUrl} (dashboard: ${node.httpUrl}/ui)`)
  }
  if (node.role === 'bootstrap') {
    const isLocal = (ma: string): boolean => ma.startsWith('/ip4/127.') || ma.startsWith('/ip6/::1/')
    const local = addresses.find(isLocal) ?? addresses[0]
    const remote = addresses.find(ma => !isLocal(ma))
    print.out('start a node on this machine with:')
    print.out(`  npx p2p-node --bootstrap ${local}`)
    if (remote != null && remote !== local) {
      print.out('or, from another machine:')
      print.out(`  npx p2p-node --bootstrap ${remote}`)
    }
  }
  if (process.stdin.isTTY === true) {
    print.info(CONSOLE_HELP)
  }
  if (node.role === 'peer') {
    print.info(`joining the network through ${bootstraps.join(', ')}...`)
  }
}

/** One line for why the node could not start, pointing at the flag where there is one. */
function startupFailure (thrown: unknown, argv: string[], httpPort?: number): string {
  const text = messageOf(thrown)
  const err = thrown as { code?: string, port?: number } | undefined ?? {}
  if (err.code === 'EADDRINUSE' && httpPort != null && err.port === httpPort) {
    return `the HTTP port is already in use (--http-port ${httpPort}): choose another with --http-port`
  }
  if (err.code === 'EADDRINUSE' || text.includes('EADDRINUSE')) {
    const port = argv[argv.indexOf('--port') + 1]
    return `the port is already in use${argv.includes('--port') ? ` (--port ${port})` : ''}: choose another with --port`
  }
  if (err.code === 'EADDRNOTAVAIL' || text.includes('EADDRNOTAVAIL')) {
    return 'the --host address is not an address of this machine'
  }
  return text
}
