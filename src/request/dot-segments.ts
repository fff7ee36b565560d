// `.` and `..` path segments, refused on /r and the admin API alike: Request/URL objects resolve them
// (and `%2e%2e`, `./`) before handlers see the path, which would let `/routes/a/%2e%2e/b` address `/b`,
// so the check runs on the raw request target (src/http/raw-path.ts gives it to Hono handlers).

/** True when any segment, decoded, is `.` or `..` (plain, `%2e%2e`, or hidden in an encoded `%2F`). */
export function hasDotSegment(pathname: string): boolean {
  // most paths have no dot at all, plain or encoded: nothing to split or decode
  if (pathname.indexOf('.') < 0 && pathname.indexOf('%2') < 0) return false;
  for (const seg of pathname.split('/')) {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      // malformed escapes are judged by the handlers; here only dot segments matter
    }
    if (decoded.split('/').some((s) => s === '.' || s === '..')) return true;
  }
  return false;
}
