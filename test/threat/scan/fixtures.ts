/** Small layers and advisories for the scan and guard tests, written in code so each test states what it plants. */
import { parseOsvRecord, type OsvRecord } from '../../../src/threat/osv/index.js'
import { gzip, sha256, tar } from '../inventory/tar-writer.js'

/** The EICAR anti-virus test file: harmless, and on every malware list. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
/** Lower-case hex, as malware lists give it. */
export const EICAR_SHA256 = sha256(EICAR)

export function digestOf (bytes: Uint8Array): string {
  return 'sha256:' + sha256(bytes)
}

export const DPKG_STATUS = `Package: libssl3
Status: install ok installed
Version: 3.0.9-1
Source: openssl
Architecture: amd64

Package: zlib1g
Status: install ok installed
Version: 1:1.2.13.dfsg-1
Source: zlib
Architecture: amd64

Package: removed-pkg
Status: deinstall ok config-files
Version: 1.0-1
`

export const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'

export function debianLayer (extra: Array<{ path: string, body: string }> = []): Buffer {
  return gzip(tar([
    { path: 'etc/os-release', body: OS_RELEASE },
    { path: 'var/lib/dpkg/status', body: DPKG_STATUS },
    ...extra
  ]))
}

export function eicarLayer (): Buffer {
  return gzip(tar([{ path: 'tmp/eicar.com', body: EICAR }, { path: 'tmp/readme.txt', body: 'nothing to see\n' }]))
}

export const OPENSSL_RECORD: OsvRecord = parseOsvRecord({
  id: 'DEBIAN-CVE-2023-5678',
  aliases: ['CVE-2023-5678'],
  modified: '2024-01-01T00:00:00Z',
  database_specific: { severity: 'CRITICAL' },
  affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }] }] }]
})

export const ZLIB_FIXED_RECORD: OsvRecord = parseOsvRecord({
  id: 'DEBIAN-CVE-2018-25032',
  modified: '2024-01-01T00:00:00Z',
  affected: [{ package: { ecosystem: 'Debian:12', name: 'zlib' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.11.dfsg-4' }] }] }]
})

export async function * chunks (data: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}
