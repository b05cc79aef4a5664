/** `writeReport`: report.json, report.md and the three charts, in one directory. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderCharts } from './charts.js'
import type { Report } from './index.js'
import { formatMarkdown } from './markdown.js'

/** `<root>/<scenario>-<seed>`: where the simulator puts a run's report (root `sim-out`). */
export function reportDir (root: string, scenario: string, seed: number): string {
  return join(root, `${scenario.replace(/[^A-Za-z0-9._-]/g, '_')}-${seed}`)
}

/** Write the files (the directory is made if need be); returns their paths, report.json first. */
export async function writeReport (report: Report, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const files: Array<[string, string]> = [
    ['report.json', JSON.stringify(report, null, 2) + '\n'],
    ['report.md', formatMarkdown(report)],
    ...Object.entries(renderCharts(report))
  ]
  for (const [name, text] of files) await writeFile(join(dir, name), text)
  return files.map(([name]) => join(dir, name))
}
