/**
 * One simulated host: `shoal daemon` with the simulator's shaped transport
 * injected through the daemon's normal construction, so the daemon's code
 * runs unchanged. Started by the runner as
 *
 *   node --import dist/src/polyfill.js dist/sim/run/daemon-child.js TOPOLOGY HOST [daemon options]
 *
 * The host's loopback address (127.0.R.H) and its links come from the
 * topology file and the host's name (`eu-west-0`).
 */
import { runDaemon } from '../../src/daemon/main.js'
import { hostLinks, planHosts, readTopology, regionOfAddress, shapedTcp } from '../net/index.js'

const [topologyFile, hostName, ...daemonArgs] = process.argv.slice(2)
if (topologyFile == null || hostName == null) {
  process.stderr.write('usage: daemon-child.js TOPOLOGY HOST [daemon options]\n')
  process.exit(2)
}
const topology = await readTopology(topologyFile)
const hosts = planHosts(topology)
const self = hosts.find(h => h.name === hostName)
if (self == null) {
  process.stderr.write(`daemon-child: no host ${hostName} in ${topologyFile} (hosts: ${hosts.map(h => h.name).join(', ')})\n`)
  process.exit(2)
}
const transport = shapedTcp({ localAddress: self.address, regionOf: regionOfAddress(hosts), linkFor: hostLinks(topology, self.region) })
process.exitCode = await runDaemon(daemonArgs, {}, { transports: [transport] })
