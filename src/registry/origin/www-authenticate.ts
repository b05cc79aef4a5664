/**
 * `WWW-Authenticate` challenges (RFC 7235): one or more
 * `scheme param=value, param="quoted, value"` separated by commas. A comma
 * inside a quoted value does not end it, and a new challenge starts where a
 * bare token is not followed by `=`.
 */

export interface Challenge {
  /** Lower case: "bearer", "basic", ... */
  scheme: string
  /** Parameter names in lower case. */
  params: Record<string, string>
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
/** token68 (base64-like) also allows '/' and trailing '='. */
const TOKEN68_CHAR = /[-._~+/0-9A-Za-z]/

export function parseChallenges (header: string): Challenge[] {
  const challenges: Challenge[] = []
  let i = 0
  const n = header.length
  const skipSpace = (): void => { while (i < n && (header[i] === ' ' || header[i] === '\t')) i++ }
  const skipSeparators = (): void => { while (i < n && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++ }
  const readToken = (): string => {
    const start = i
    while (i < n && TOKEN_CHAR.test(header[i] ?? '')) i++
    return header.slice(start, i)
  }
  /** Unquoted values should be tokens; be lenient and take up to the next separator (an unquoted URL, say). */
  const readBare = (): string => {
    const start = i
    while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++
    return header.slice(start, i)
  }
  const readQuoted = (): string => {
    let out = ''
    i++ // opening quote
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++
      out += header[i]
      i++
    }
    i++ // closing quote (or end)
    return out
  }

  while (true) {
    skipSeparators()
    if (i >= n) break
    const scheme = readToken()
    if (scheme === '') { i++; continue } // junk: skip a character and resynchronise
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> }
    challenges.push(challenge)
    skipSpace()
    // token68 form: "Basic dXNlcg==" (no '=' right after a token)
    const at = i
    while (i < n && TOKEN68_CHAR.test(header[i] ?? '')) i++
    const t68 = header.slice(at, i)
    let eq = i
    while (eq < n && header[eq] === '=') eq++
    const afterEq = header.slice(eq).trimStart()
    if (t68 !== '' && (eq > i && (afterEq === '' || afterEq.startsWith(',')))) {
      challenge.params.token68 = header.slice(at, eq)
      i = eq
      continue
    }
    i = at
    // auth-params, until a bare token that starts the next challenge
    while (true) {
      skipSeparators()
      if (i >= n) break
      const start = i
      const name = readToken()
      if (name === '') { i++; continue }
      skipSpace()
      if (header[i] !== '=') { i = start; break } // next challenge
      i++
      skipSpace()
      const value = header[i] === '"' ? readQuoted() : readBare()
      challenge.params[name.toLowerCase()] = value
    }
  }
  return challenges
}
