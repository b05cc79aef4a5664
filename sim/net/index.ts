/**
 * Shaped links without root, for the live simulator. Every daemon runs on
 * loopback with its own address (127.0.R.H) and a libp2p transport,
 * `shapedTcp`, that delays and paces what it writes by the remote's region;
 * every region reaches the origin through its own shaped proxy. The figures
 * come from a topology file (`peers/local.json` by default).
 *
 * - topology.ts: the file's shape, loader and validator.
 * - plan.ts: hosts, their addresses and link shapes, from a topology.
 * - shaper.ts: token bucket + delay line, one per link direction.
 * - shaped-tcp.ts (with shaped-socket.ts, shaped-listener.ts): the transport.
 * - origin-proxy.ts: the shaped TCP proxy in front of the origin.
 * - clock.ts: real time, and a manual clock for tests.
 */
export { REAL_CLOCK, ManualClock, type Clock } from './clock.js'
export * from './constants.js'
export { ShaperClosedError, ShapingOptionError, TopologyError } from './errors.js'
export { startShapedProxy, PROXY_MAX_CONNECTIONS, type ShapedProxy, type ShapedProxyInit } from './origin-proxy.js'
export { hostLinks, originLink, planHosts, regionOfAddress, type HostLinksInit, type HostPlan } from './plan.js'
export { shapedTcp, ShapedTcp, type LinkShape, type ShapedTcpComponents, type ShapedTcpInit } from './shaped-tcp.js'
export { Shaper, TokenBucket, type ShaperInit, type TokenBucketInit } from './shaper.js'
export { hostCount, linkClass, parseTopology, readTopology, type LinkClass, type RegionSpec, type Topology } from './topology.js'
