/** The oldest Node.js major that runs libp2p's dependencies (they use Promise.withResolvers). */
export const MIN_NODE_MAJOR = 22

/**
 * Exits at once, with one line saying what to do, when this Node.js is too old. Imports nothing, so it runs
 * before any libp2p module is loaded.
 */
export function assertSupportedRuntime (): void {
  const major = Number(process.versions.node.split('.')[0])
  if (major < MIN_NODE_MAJOR) {
    process.stderr.write(`p2p-node needs Node.js ${MIN_NODE_MAJOR} or newer, but this is ${process.version}: ` +
      'run it through npm (npm start, or npx p2p-node / npx p2p-bootstrap), which uses the Node.js 24 installed with ' +
      'the package, or install Node.js 22+.\n')
    process.exit(1)
  }
}
