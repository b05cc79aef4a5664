import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import t from 'tap'
import { DEFAULT_MIRROR_URL } from '../../src/registry/constants.js'
import { shortTempDir } from '../admin/helpers.js'
import { runCli } from './helpers.js'

const HUB = `server = "https://registry-1.docker.io"\n\n[host."${DEFAULT_MIRROR_URL}"]\n  capabilities = ["pull", "resolve"]\n`
const LOCAL = `server = "http://127.0.0.1:5000"\n\n[host."${DEFAULT_MIRROR_URL}"]\n  capabilities = ["pull", "resolve"]\n`

t.test('containerd configure writes a hosts.toml per origin and says what containerd needs', async t => {
  const dir = join(await shortTempDir(t), 'certs.d')
  // No --admin and no daemon anywhere: the command must not need one.
  const r = await runCli(['containerd', 'configure', '--origin', 'docker.io', '--origin', '127.0.0.1:5000', '--dir', dir])
  t.equal(r.code, 0, r.stderr)
  t.equal(readFileSync(join(dir, 'docker.io', 'hosts.toml'), 'utf8'), HUB)
  t.equal(readFileSync(join(dir, '127.0.0.1:5000', 'hosts.toml'), 'utf8'), LOCAL)
  t.ok(r.stdout.startsWith(`wrote ${join(dir, 'docker.io', 'hosts.toml')}:\n${HUB}\nwrote ${join(dir, '127.0.0.1:5000', 'hosts.toml')}:\n${LOCAL}\n`), r.stdout)
  t.match(r.stdout, `[plugins."io.containerd.grpc.v1.cri".registry]\n    config_path = "${dir}"`, 'the CRI config_path')
  t.match(r.stdout, `ctr images pull --hosts-dir "${dir}" IMAGE`, 'the ctr flag')
  t.equal(r.stderr, '')
})

t.test('containerd configure --json, --mirror, --skip-verify, a relative --dir, repeated origins', async t => {
  const root = await shortTempDir(t)
  const dir = join(root, 'hosts')
  const r = await runCli(['containerd', 'configure', '--origin', 'ghcr.io', '--origin', 'GHCR.io', '--mirror', 'https://mirror.internal:5443/',
    '--skip-verify', '--dir', relative(process.cwd(), dir), '--json'])
  t.equal(r.code, 0, r.stderr)
  const content = 'server = "https://ghcr.io"\n\n[host."https://mirror.internal:5443"]\n  capabilities = ["pull", "resolve"]\n  skip_verify = true\n'
  const out = JSON.parse(r.stdout) as { dir: string, mirror: string, dryRun: boolean, files: unknown[], hint: string }
  t.same({ ...out, hint: undefined }, {
    dir,
    mirror: 'https://mirror.internal:5443',
    dryRun: false,
    files: [{ origin: 'ghcr.io', path: join(dir, 'ghcr.io', 'hosts.toml'), content }],
    hint: undefined
  }, 'the absolute directory, one file for one host')
  t.match(out.hint, `config_path = "${dir}"`)
  t.equal(readFileSync(join(dir, 'ghcr.io', 'hosts.toml'), 'utf8'), content)
})

t.test('containerd configure --dry-run writes nothing', async t => {
  const dir = join(await shortTempDir(t), 'certs.d')
  const r = await runCli(['containerd', 'configure', '--origin', 'docker.io', '--dir', dir, '--dry-run'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, `would write ${join(dir, 'docker.io', 'hosts.toml')}:\n${HUB}`)
  t.notOk(existsSync(dir), 'no directory made')
  const json = JSON.parse((await runCli(['containerd', 'configure', '--origin', 'docker.io', '--dir', dir, '--dry-run', '--json'])).stdout) as { dryRun: boolean, files: Array<{ content: string }> }
  t.equal(json.dryRun, true)
  t.equal(json.files[0]?.content, HUB)
  t.notOk(existsSync(dir))
})

t.test('containerd configure refuses a bad command line before writing anything', async t => {
  const dir = join(await shortTempDir(t), 'certs.d')
  const cases: Array<[string[], RegExp]> = [
    [['containerd'], /containerd needs a subcommand: configure/],
    [['containerd', 'setup'], /unknown containerd subcommand "setup"/],
    [['containerd', 'configure'], /needs at least one --origin HOST/],
    [['containerd', 'configure', 'docker.io'], /takes no arguments.*--origin/],
    [['containerd', 'configure', '--origin', 'docker.io', '--origin', 'https://ghcr.io'], /origin "https:\/\/ghcr.io" has a scheme; give the host only: ghcr.io/],
    [['containerd', 'configure', '--origin', 'docker.io', '--mirror', '127.0.0.1:5050'], /mirror "127.0.0.1:5050"/],
    [['containerd', 'configure', '--origin', 'docker.io', '--dir', ''], /--dir needs a directory/],
    [['containerd', 'configure', '--origin', 'docker.io', '--bogus'], /unknown option --bogus/]
  ]
  for (const [args, message] of cases) {
    const r = await runCli([...args, ...(args.includes('--dir') ? [] : ['--dir', dir])])
    t.equal(r.code, 2, args.join(' '))
    t.match(r.stderr, message)
    t.match(r.stderr, /usage: shoal containerd configure/, 'with the usage')
  }
  t.notOk(existsSync(dir), 'nothing written, not even docker.io of the half-good lists')
})

t.test('containerd --help', async t => {
  for (const args of [['containerd', '--help'], ['containerd', 'configure', '--help'], ['help', 'containerd']]) {
    const r = await runCli(args)
    t.equal(r.code, 0)
    t.match(r.stdout, /^usage: shoal containerd configure --origin HOST/)
    t.match(r.stdout, `--mirror URL    the shoal mirror (default ${DEFAULT_MIRROR_URL})`)
    t.match(r.stdout, '(default /etc/containerd/certs.d)')
  }
  t.match((await runCli(['--help'])).stdout, /^ {2}containerd {2}containerd configure/m)
})

t.test('a host directory that cannot be written fails with the path', async t => {
  const root = await shortTempDir(t)
  // A file where the hosts directory should be.
  const r1 = await runCli(['containerd', 'configure', '--origin', 'docker.io', '--dir', join(root, 'certs.d')])
  t.equal(r1.code, 0)
  const r = await runCli(['containerd', 'configure', '--origin', 'docker.io', '--dir', join(root, 'certs.d', 'docker.io', 'hosts.toml')])
  t.equal(r.code, 1)
  t.match(r.stderr, /^shoal: (ENOTDIR|EEXIST)/)
  t.same(readdirSync(join(root, 'certs.d', 'docker.io')), ['hosts.toml'])
})
