// The request target in origin form ("/path?query"), as both forwarders pass it on. An absolute-form
// target ("http://169.254.169.254/latest/…", which an HTTP proxy client sends) is reduced to it;
// anything else ("*", authority form) is not a metadata request.
export function originPath(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return undefined;
  }
}
