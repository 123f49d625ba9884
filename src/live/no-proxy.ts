// PURE. NO_PROXY as curl reads it: a name covers that host and its subdomains, whether written
// `example.com`, `.example.com` or `*.example.com`; a trailing dot (a fully qualified name) on
// an entry or on the host changes nothing; an IPv6 address may be written bare (`::1`) or in
// brackets; `host:port` only for that port; `*` for every host.

export interface NoProxyEntry {
  /** lower case, no trailing dot, IPv6 in brackets; '' for `*` */
  host: string;
  /** 0: any port */
  port: number;
  /** a name, matched with its subdomains (an IP address only exactly) */
  domain: boolean;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A bracketed IPv6 address as URL.hostname writes it (`[::1]`), or null. */
function ipv6(text: string): string | null {
  try {
    return new URL(`http://[${text}]/`).hostname;
  } catch {
    return null;
  }
}

/** The entries of a NO_PROXY value (commas or spaces between them); unreadable ones are dropped. */
export function parseNoProxy(raw: string | undefined): NoProxyEntry[] {
  const out: NoProxyEntry[] = [];
  for (const item of (raw ?? '').toLowerCase().split(/[,\s]+/).filter(Boolean)) {
    if (item === '*') {
      out.push({ host: '', port: 0, domain: true });
      continue;
    }
    // a bare IPv6 address: two colons or more, no brackets (it holds no port)
    if (!item.includes('[') && (item.match(/:/g)?.length ?? 0) >= 2) {
      const host = ipv6(item);
      if (host) out.push({ host, port: 0, domain: false });
      continue;
    }
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(item);
    if (!m) continue;
    const port = m[2] ? Number(m[2]) : 0;
    if (m[1]!.startsWith('[')) {
      const host = ipv6(m[1]!.slice(1, -1));
      if (host) out.push({ host, port, domain: false });
      continue;
    }
    const host = m[1]!.replace(/^\*/, '').replace(/^\./, '').replace(/\.$/, '');
    if (host) out.push({ host, port, domain: !/^[\d.]+$/.test(host) });
  }
  return out;
}

/** Whether a request to this URL goes directly (NO_PROXY names its host), not through the proxy. */
export function bypasses(entries: NoProxyEntry[], url: URL): boolean {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  // an address is matched whole, never as a name's suffix
  const named = !IPV4.test(host) && !host.startsWith('[');
  return entries.some((e) => (!e.port || e.port === port) && (e.host === '' || host === e.host || (named && e.domain && host.endsWith(`.${e.host}`))));
}
