/** The oldest Node.js major that runs libp2p's dependencies (they use Promise.withResolvers). */
export const MIN_NODE_MAJOR = 22

/**
 * What is wrong with this Node.js for p2p-node, in one sentence that says what to do, or undefined if nothing is.
 * Imports nothing, so the CLI can ask before any libp2p module is loaded.
 */
export function runtimeProblem (version = process.version): string | undefined {
  const major = Number(version.replace(/^v/, '').split('.')[0])
  if (major >= MIN_NODE_MAJOR) {
    return undefined
  }
  return `p2p-node needs Node.js ${MIN_NODE_MAJOR} or newer, but this is ${version}: run it through npm (npm start, ` +
    'npm test, or npx p2p-node / npx p2p-bootstrap), which uses the Node.js 24 installed with the package, or install ' +
    `Node.js ${MIN_NODE_MAJOR}+.`
}

/** For the CLI: exits at once with that sentence when this Node.js is too old. */
export function assertSupportedRuntime (): void {
  const problem = runtimeProblem()
  if (problem != null) {
    process.stderr.write(`${problem}\n`)
    process.exit(1)
  }
}
