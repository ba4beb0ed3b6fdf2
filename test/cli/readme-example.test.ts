import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { promisify } from 'node:util'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The first ```js block of a README section: the program a user copies. */
function exampleOf (section: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const start = readme.indexOf(`\n## ${section}\n`)
  assert.ok(start >= 0, `README has a ${section} section`)
  const block = readme.slice(start).match(/```js\n([\s\S]*?)```/)
  assert.ok(block != null, `the ${section} section has a js example`)
  return block[1]
}

describe('the README', () => {
  it('holds a library example that runs as written', async () => {
    // inside the package, `import 'p2p-node'` resolves to the package itself, as in a project that installed it
    const dir = join(ROOT, 'test-results')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'readme-example.mjs')
    writeFileSync(file, exampleOf('Library'))
    const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 60_000 })
    assert.deepEqual(stdout.trim().split('\n').sort(), [
      'bob got a broadcast message from alice: hello all',
      'bob got a direct message from alice: hi bob'
    ])
  })
})
