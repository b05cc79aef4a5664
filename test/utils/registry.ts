/**
 * A real OCI registry for end-to-end tests: CNCF Distribution
 * (`docker-registry serve`) on 127.0.0.1 with filesystem storage in a temp
 * dir, optionally behind htpasswd basic auth. `stop()` / `start()` restart it
 * on the same port and storage, to test an origin that goes away.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import { Daemon, freePort, removeDir, tempDir, waitFor } from './system.js'

/** bcrypt cost for test htpasswd files: low, for speed. */
const HTPASSWD_COST = 5
const READY_TIMEOUT_MS = 20_000

export interface RegistryInit {
  /** Require HTTP basic auth with this one user. */
  htpasswd?: { username: string, password: string }
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `127.0.0.1:PORT`, as it appears in image references. */
  host: string
  /** Temp dir holding the config, htpasswd file and storage. */
  dir: string
  /** `Authorization` header value for the htpasswd user, if any. */
  authorization?: string
  /** The registry's recent output, for failure messages. */
  logs: () => string
  /** Kills the registry and waits for it to exit; storage is kept. */
  stop: () => Promise<void>
  /** (Re)starts on the same port and storage; resolves once `/v2/` answers. */
  start: () => Promise<void>
  /** Stops the registry and removes its dir. */
  destroy: () => Promise<void>
}

function configYaml (dir: string, host: string, auth: boolean): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  formatter: text',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: ${host}`,
    // a fixed secret stops the "No HTTP secret provided" warning
    '  secret: shoal-test-registry',
    ...(auth
      ? ['auth:', '  htpasswd:', '    realm: shoal-test', `    path: ${join(dir, 'htpasswd')}`]
      : []),
    ''
  ].join('\n')
}

export async function startRegistry (opts: RegistryInit = {}): Promise<TestRegistry> {
  const dir = await tempDir('registry')
  try {
    const host = `127.0.0.1:${await freePort()}`
    const url = `http://${host}`
    const configPath = join(dir, 'config.yml')
    let authorization: string | undefined
    if (opts.htpasswd !== undefined) {
      const { username, password } = opts.htpasswd
      await writeFile(join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, HTPASSWD_COST)}\n`)
      authorization = 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64')
    }
    await writeFile(configPath, configYaml(dir, host, opts.htpasswd !== undefined))
    const daemon = new Daemon(`registry ${host}`, 'docker-registry', ['serve', configPath])

    const start = async (): Promise<void> => {
      daemon.start()
      await waitFor(`docker-registry on ${host}`, async () => {
        const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) })
        await res.body?.cancel()
        return res.status === 200 || res.status === 401
      }, { timeoutMs: READY_TIMEOUT_MS, detail: () => daemon.logs(), alive: () => daemon.running })
    }
    const stop = async (): Promise<void> => { await daemon.stop() }
    const destroy = async (): Promise<void> => {
      await daemon.stop()
      await removeDir(dir)
    }
    try {
      await start()
    } catch (err) {
      await daemon.stop()
      throw err
    }
    return { url, host, dir, authorization, logs: () => daemon.logs(), stop, start, destroy }
  } catch (err) {
    await removeDir(dir)
    throw err
  }
}
