import { createInterface } from 'node:readline'
import { messageOf } from '../errors.js'
import type { P2PNode } from '../p2p-node.js'
import type { Printer } from './printer.js'

export const CONSOLE_HELP = [
  'commands:',
  '  <text>                      broadcast <text> to every node',
  '  /msg <name|peer id> <text>  send <text> to one node',
  '  /peers                      the members of the network this node knows, with their state',
  '  /status [name|peer id]      this node\'s status, or another node\'s',
  '  /network                    this node\'s view of the network: size, members, messages',
  '  /shutdown [reason]          order every node of the network to leave (operators only)',
  '  /help                       this list',
  '  /quit                       leave the network and exit'
].join('\n')

/**
 * Reads lines from `input` and acts on them. On a terminal, end of input (Ctrl-D) quits; without a terminal
 * (a pipe, /dev/null in a container) the node just keeps running when input ends.
 */
export function startConsole (node: P2PNode, input: NodeJS.ReadableStream & { isTTY?: boolean }, print: Printer, quit: () => void): () => void {
  const lines = createInterface({ input, terminal: false })
  // one line at a time, in order: a /msg must not overtake the broadcast typed before it
  let queue = Promise.resolve()
  lines.on('line', (line) => {
    queue = queue.then(async () => { await handleLine(node, line.trim(), print, quit) })
  })
  lines.on('close', () => {
    if (input.isTTY === true) {
      quit()
    }
  })
  return () => { lines.close() }
}

async function handleLine (node: P2PNode, line: string, print: Printer, quit: () => void): Promise<void> {
  if (line === '') {
    return
  }
  const [command, ...rest] = line.split(/\s+/)
  try {
    if (!line.startsWith('/')) {
      const { recipients } = await node.broadcast(line)
      print.info(recipients === 0 ? 'broadcast sent, but no peer is connected yet' : `broadcast sent to ${recipients} peers`)
    } else if (command === '/msg') {
      const [target, ...words] = rest
      if (target == null || words.length === 0) {
        print.error('usage: /msg <name|peer id> <text>')
        return
      }
      const text = line.slice(line.indexOf(target, '/msg'.length) + target.length).trim()
      await node.send(target, text)
      print.info(`delivered to ${target}`)
    } else if (command === '/peers') {
      const members = node.members()
      print.out(members.length === 0
        ? 'no known members yet'
        : members.map(member => `${member.connected ? '*' : ' '} ${member.name.padEnd(16)} ${member.role.padEnd(9)} ${member.state.padEnd(7)} ${member.peerId}`).join('\n') +
          `\n${members.length} known, ${members.filter(member => member.connected).length} connected (*)`)
    } else if (command === '/status') {
      print.out(JSON.stringify(await node.status(rest[0]), null, 2))
    } else if (command === '/network') {
      print.out(JSON.stringify(node.networkStatus(), null, 2))
    } else if (command === '/shutdown') {
      print.info('ordering a network shutdown...')
      await node.shutdownNetwork(rest.join(' ') || undefined)
      quit()
    } else if (command === '/help') {
      print.out(CONSOLE_HELP)
    } else if (command === '/quit') {
      quit()
    } else {
      print.error(`unknown command ${command}; /help lists the commands`)
    }
  } catch (err) {
    print.error(messageOf(err))
  }
}
