import { enable } from '@libp2p/logger'
import { LOG_LEVELS, type LogLevel } from './args.js'

/** What the CLI prints for people: output always, notes and errors by log level. Library code never prints. */
export interface Printer {
  out: (text: string) => void
  info: (text: string) => void
  warn: (text: string) => void
  error: (text: string) => void
}

export function createPrinter (level: LogLevel, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Printer {
  const at = (wanted: LogLevel): boolean => LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(wanted)
  if (level === 'debug') {
    enable('p2p-node:*')
  } else if (level === 'trace') {
    enable('p2p-node:*,libp2p:*')
  }
  return {
    out: (text) => { stdout.write(`${text}\n`) },
    info: (text) => { if (at('info')) stdout.write(`${text}\n`) },
    warn: (text) => { if (at('warn')) stderr.write(`warning: ${text}\n`) },
    error: (text) => { if (at('error')) stderr.write(`error: ${text}\n`) }
  }
}
