import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DAEMON_USAGE, DEFAULT_ELECTION_TIMEOUT_MS, loadConfig, MAX_ELECTION_TIMEOUT_MS, MIN_ELECTION_TIMEOUT_MS, type DaemonConfig } from '../../src/daemon/config.js'
import { parsePeersFile, seedPeers } from '../../src/daemon/peers-file.js'
import { planQuorum } from '../../src/daemon/quorum.js'
import { ELECTION_TICKS, MAX_VOTERS, RAFT_TICK_MS } from '../../src/quorum/raft/constants.js'

const load = async (argv: string[], env: NodeJS.ProcessEnv = {}): Promise<DaemonConfig> => {
  const c = await loadConfig(argv, { XDG_DATA_HOME: '/home/x/.local/share', ...env })
  if (c === 'help') throw new Error('help')
  return c
}

const A = '12D3KooWDNK3vfQGZFWT179ctjMnAhAXjXzhSZ2uoZx7njonKFaD'
const B = '12D3KooWFfafsqsedbY6M1mMc41kyWihw61LidsjcZERYg2mh3uY'
const C = '12D3KooWADWL5gM1b19ETg2eCkXQ3VY4W3PwCNyF6h2GoThn77Fp'

t.test('quorum options: defaults are the documented constants', async t => {
  const c = await load([])
  t.equal(c.quorum, undefined, 'on when the peers file names seeds, decided at start')
  t.equal(c.electionTimeoutMs, DEFAULT_ELECTION_TIMEOUT_MS)
  t.equal(DEFAULT_ELECTION_TIMEOUT_MS, ELECTION_TICKS * RAFT_TICK_MS)
  t.equal(DEFAULT_ELECTION_TIMEOUT_MS, 1000)
  t.match(DAEMON_USAGE, `(default ${DEFAULT_ELECTION_TIMEOUT_MS})`)
  t.match(DAEMON_USAGE, `a multiple of\n                        ${RAFT_TICK_MS} from ${MIN_ELECTION_TIMEOUT_MS} to ${MAX_ELECTION_TIMEOUT_MS}`)
})

t.test('quorum options from flags, the environment and the config file', async t => {
  t.equal((await load(['--quorum', 'off'])).quorum, false)
  t.equal((await load(['--quorum', 'on'])).quorum, true)
  t.equal((await load([], { SHOAL_QUORUM: 'off' })).quorum, false)
  t.equal((await load(['--election-timeout-ms', '500'])).electionTimeoutMs, 500)
  t.equal((await load([], { SHOAL_ELECTION_TIMEOUT_MS: '3000' })).electionTimeoutMs, 3000)
  const dir = await mkdtemp(join(tmpdir(), 'shoal-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'shoal.json')
  await writeFile(file, JSON.stringify({ quorum: false, electionTimeoutMs: 2000 }))
  const c = await load(['--config', file])
  t.equal(c.quorum, false)
  t.equal(c.electionTimeoutMs, 2000)
  await writeFile(file, JSON.stringify({ 'election-timeout-ms': 700 }))
  t.equal((await load(['--config', file])).electionTimeoutMs, 700, 'the flag spelling works in the file too')
})

t.test('bad quorum options are refused with a message that names the fix', async t => {
  await t.rejects(load(['--quorum', 'yes']), { name: 'ConfigError', message: /quorum must be on or off, got "yes"/ })
  for (const bad of ['150', '100', '0', '-500', '1e3', 'soon', String(MAX_ELECTION_TIMEOUT_MS + RAFT_TICK_MS)]) {
    await t.rejects(load([`--election-timeout-ms=${bad}`]), { name: 'ConfigError', message: /election-timeout-ms must be a multiple of 100 \(the quorum's tick\) from 200 to 60000/ }, bad)
  }
  t.equal((await load(['--election-timeout-ms', String(MIN_ELECTION_TIMEOUT_MS)])).electionTimeoutMs, MIN_ELECTION_TIMEOUT_MS, 'the least is allowed')
  t.equal((await load(['--election-timeout-ms', String(MAX_ELECTION_TIMEOUT_MS)])).electionTimeoutMs, MAX_ELECTION_TIMEOUT_MS, 'the most is allowed')
})

t.test('the voters are the seeds named by peer id, each once, with its region', async t => {
  const file = parsePeersFile(JSON.stringify({
    regions: {
      'eu-west': { seeds: [`/ip4/10.0.0.1/tcp/4001/p2p/${A}`, `/ip4/10.0.0.9/tcp/4001/p2p/${A}`] },
      'us-east': { seeds: [`/dns4/seed.us/tcp/4001/p2p/${B}`] },
      'ap-south': { seeds: [] }
    }
  }), 'p.json')
  t.same(seedPeers(file), { voters: [A, B].sort(), regions: { [A]: 'eu-west', [B]: 'us-east' }, unnamed: [] })
  const partly = parsePeersFile(JSON.stringify({ regions: { a: { seeds: [`/ip4/10.0.0.1/tcp/4001/p2p/${A}`, '/ip4/10.0.0.2/tcp/4001'] } } }), 'p.json')
  t.same(seedPeers(partly).unnamed, ['/ip4/10.0.0.2/tcp/4001'])
  const twice = parsePeersFile(JSON.stringify({ regions: { a: { seeds: [`/ip4/10.0.0.1/tcp/4001/p2p/${A}`] }, b: { seeds: [`/ip4/10.0.0.2/tcp/4001/p2p/${A}`] } } }), 'p.json')
  t.throws(() => seedPeers(twice), { name: 'ConfigError', message: /listed in regions a and b; a seed belongs to one region/ })
})

t.test('whether to run the quorum: --quorum, and the seeds the peers file names', async t => {
  const named = { voters: [A, B, C], regions: { [A]: 'a', [B]: 'b', [C]: 'c' }, unnamed: [] }
  t.same(planQuorum(undefined, named), { voters: [A, B, C], regions: { [A]: 'a', [B]: 'b', [C]: 'c' } }, 'on by default when seeds are named')
  t.equal(planQuorum(false, named), undefined, '--quorum off')
  t.equal(planQuorum(undefined, undefined), undefined, 'no peers file: off')
  t.equal(planQuorum(undefined, { voters: [], regions: {}, unnamed: ['/ip4/10.0.0.1/tcp/1'] }), undefined, 'seeds without peer ids: off (as before the quorum)')
  t.throws(() => planQuorum(true, undefined), { name: 'ConfigError', message: /--quorum on needs a peers file \(--peers\) whose seeds end in \/p2p\/<peer id>/ })
  t.throws(() => planQuorum(undefined, { ...named, unnamed: ['/ip4/10.0.0.4/tcp/1'] }), { name: 'ConfigError', message: /seeds \/ip4\/10.0.0.4\/tcp\/1 have no \/p2p\/<peer id>.*--quorum off/ })
  const many = Array.from({ length: MAX_VOTERS + 1 }, (_v, i) => `peer-${i}`)
  t.throws(() => planQuorum(undefined, { voters: many, regions: {}, unnamed: [] }), { name: 'ConfigError', message: /at most 9 voters/ })
})
