/** Version comparison limits. The docs in `index.ts` are tested against these. */

/** Longest version string accepted (npm's `semver` has the same limit); longer ones are refused with `InvalidVersionError`. */
export const MAX_VERSION_LENGTH = 256
/** Longest ecosystem name accepted, release suffix included (`Alpine:v3.19`). */
export const MAX_ECOSYSTEM_LENGTH = 64
/** How much of a refused version or ecosystem name an error message quotes. */
export const ERROR_QUOTE_LENGTH = 64
/** Largest dpkg epoch: dpkg reads it as a C `int` and refuses more. */
export const DPKG_MAX_EPOCH = 2_147_483_647
