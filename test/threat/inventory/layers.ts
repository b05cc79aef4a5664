/** Test layers that put the shared fixtures at the paths they have in real images. */
import type { TarSpec } from './tar-writer.js'
import { fixture } from './fixtures.js'

export const DEBIAN_LAYER: TarSpec[] = [
  { path: './', type: 'dir' },
  { path: './etc/', type: 'dir' },
  // As in Debian's base-files: etc/os-release is a link to the real file.
  { path: './etc/os-release', type: 'symlink', linkpath: '../usr/lib/os-release' },
  { path: './usr/lib/os-release', body: fixture('os-release.debian') },
  { path: './var/lib/dpkg/status', body: fixture('dpkg-status.multiple-with-edge-cases') },
  { path: './var/lib/dpkg/status.d/libsqlite3-0', body: fixture('dpkg-status.d.distroless-libsqlite3-0') },
  { path: './var/lib/dpkg/status.d/libsqlite3-0.md5sums', body: 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libsqlite3.so.0\n' },
  { path: './usr/lib/node_modules/cowsay/package.json', body: fixture('node_modules-cowsay-package.json') },
  { path: './usr/lib/python3/dist-packages/Pygments-2.6.1.dist-info/METADATA', body: fixture('python-dist-info-METADATA.pygments') },
  { path: './usr/bin/pygmentize', type: 'hardlink', linkpath: './usr/lib/python3/dist-packages/Pygments-2.6.1.dist-info/METADATA' }
]

export const ALPINE_LAYER: TarSpec[] = [
  { path: 'etc/os-release', body: fixture('os-release.alpine') },
  { path: 'etc/profile', body: 'export PATH=/usr/bin\n' },
  { path: 'lib/apk/db/installed', body: fixture('apk-installed.multiple-1') },
  { path: 'bin/sh', type: 'symlink', linkpath: '/bin/busybox' },
  { path: 'dev/null', type: '3' }
]
