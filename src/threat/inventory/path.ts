/** Paths inside a layer, in the one form the inventory compares them in. */

/**
 * A tar entry's path as a relative POSIX path: no leading `./` or `/`, no
 * trailing `/`, no empty or `.` segments, and `..` resolved lexically without
 * ever climbing above the root (as containerd confines a layer to its root).
 * The root itself is ''.
 */
export function normalizePath (raw: string): string {
  const out: string[] = []
  for (const segment of raw.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      out.pop()
      continue
    }
    out.push(segment)
  }
  return out.join('/')
}

/** The directory holding `path` ('' for a top-level entry). */
export function dirname (path: string): string {
  const slash = path.lastIndexOf('/')
  return slash < 0 ? '' : path.slice(0, slash)
}

export function basename (path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

export function joinPath (dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}
