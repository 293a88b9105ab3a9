// `ip route get 169.254.169.254`: the route the kernel really picks, or why there is none. The error
// comes from strerror(), so it may be in the guest's language (the script sets LC_ALL=C, a bundle
// collected by hand may not have).
import { ipv4ToNumber } from './guest-ipv4.js';

export type RouteGet =
  { kind: 'route'; via?: string; dev?: string; raw: string } | { kind: 'unreachable'; raw: string };

// "Network is unreachable" and "No route to host" in the languages glibc ships them in most often.
const UNREACHABLE = [
  /network is unreachable/i,
  /no route to host/i,
  /netzwerk ist nicht erreichbar/i, // de
  /keine route zum zielrechner/i, // de
  /le réseau n'est pas accessible/i, // fr
  /aucune route vers l'hôte/i, // fr
  /la red es inaccesible/i, // es
  /rete non raggiungibile/i, // it
  /网络不可达|没有到主机的路由/, // zh_CN
  /ENETUNREACH|EHOSTUNREACH/,
];

/** undefined when the lines hold neither a route nor a recognised error. */
export function parseRouteGet(lines: readonly string[]): RouteGet | undefined {
  for (const raw of lines) {
    const line = raw.trim();
    if (UNREACHABLE.some((re) => re.test(line))) return { kind: 'unreachable', raw: line };
    const words = line.split(/\s+/);
    const first = words[0] ?? '';
    if (words[0] === 'unreachable' || words[0] === 'blackhole' || words[0] === 'prohibit') {
      return { kind: 'unreachable', raw: line };
    }
    if (ipv4ToNumber(first) === undefined) continue;
    const value = (key: string) => {
      const i = words.indexOf(key);
      return i >= 0 ? words[i + 1] : undefined;
    };
    const via = value('via');
    const dev = value('dev');
    return {
      kind: 'route',
      ...(via !== undefined ? { via } : {}),
      ...(dev !== undefined ? { dev } : {}),
      raw: line,
    };
  }
  return undefined;
}
