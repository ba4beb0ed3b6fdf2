import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const dir = mkdtempSync(join(tmpdir(), 'p2p-bench-'))
after(() => { rmSync(dir, { recursive: true, force: true }) })

describe('the benchmarks, at smoke size', () => {
  it('run every benchmark beside its raw baseline and write the JSON and the chart', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./run.ts', import.meta.url)), '--smoke', '--out', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', chunk => { output += chunk })
    child.stderr.on('data', chunk => { output += chunk })
    const code = await new Promise(resolve => child.on('exit', resolve))
    assert.equal(code, 0, output)
    const report = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8'))
    const names = report.results.map((result: any) => result.name)
    for (const expected of [/^direct 128 B, 1 in flight$/, /^direct 4096 B, 16 in flight$/, /new stream per message/, /^connect \+ first/, /^join, N=4$/,
      /^broadcast 1 KiB to all, N=4 \(median\)$/, /^footprint: idle CPU/, /^broadcast burst/, /^graceful leave/, /^crash/]) {
      assert.ok(names.some((name: string) => expected.test(name)), `${expected} in ${names.join(', ')}`)
    }
    for (const result of report.results) {
      assert.ok(result.ours.median > 0 && Number.isFinite(result.ours.median), `${result.name}: ours measured`)
      assert.ok(result.baseline.runs.length > 0, `${result.name}: a baseline ran`)
    }
    const broadcast = report.results.find((result: any) => /^broadcast 1 KiB to all, N=4 \(median\)$/.test(result.name))
    assert.equal(broadcast.extra.delivery, 1, 'every broadcast reached every node')
    assert.match(readFileSync(join(dir, 'bench.svg'), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\s*$/)
  })
})
