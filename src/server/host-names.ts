/**
 * Which Host headers a server answers: the loopback names of its own port, plus the names an operator
 * lists (ALLOWED_HOSTS). A page on another site that re-points its own name at 127.0.0.1 (DNS
 * rebinding) still sends its own name as Host, so it is refused before any route runs.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `name` or `name:port`, lower-cased; undefined for a header that is neither. */
function split(host: string): { name: string; port?: string } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  return m ? { name: m[1].replace(/\.$/, ''), port: m[2] } : undefined;
}

/**
 * A matcher for Host headers. `port()` is the port the server listens on (known only once it
 * listens); loopback names must carry it. Entries of `allowed` without a port match any port.
 */
export function hostMatcher(allowed: readonly string[], port: () => number | undefined): (host: string | undefined) => boolean {
  const listed = allowed.map(split).filter((h): h is { name: string; port?: string } => h !== undefined);
  return (host) => {
    if (!host) return false;
    const h = split(host);
    if (!h) return false;
    const own = port();
    if (LOOPBACK_NAMES.includes(h.name) && own !== undefined && h.port === String(own)) return true;
    return listed.some((l) => l.name === h.name && (l.port === undefined || l.port === h.port));
  };
}
