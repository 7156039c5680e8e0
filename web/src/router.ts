/**
 * Path routes, the same paths as the API's collections (`/contacts`, `/contacts/:id`, ...),
 * on the History API. Links are plain `<a href>`: the shell catches ordinary clicks on links
 * to a known route and navigates without a reload; middle-click, modifier keys, `target` and
 * `download` keep the browser's behaviour.
 */
export interface Match<P> {
  page: P;
  params: Record<string, string>;
}

interface Compiled<P> {
  page: P;
  pattern: RegExp;
  names: string[];
  literal: number;
}

/** `/contacts/:id` matches `/contacts/c-1` with `{ id: 'c-1' }`; literal segments win over parameters. */
export function compileRoutes<P extends { path: string }>(pages: readonly P[]) {
  const compiled: Compiled<P>[] = pages.map((page) => {
    const names: string[] = [];
    const segments = page.path.split('/').filter(Boolean);
    const source = segments
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '/([^/]+)';
        }
        return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      })
      .join('');
    return { page, pattern: new RegExp(`^${source || '/'}/?$`), names, literal: segments.length - names.length };
  });
  compiled.sort((a, b) => b.literal - a.literal);
  return function match(pathname: string): Match<P> | null {
    for (const route of compiled) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(found[index + 1]!);
      });
      return { page: route.page, params };
    }
    return null;
  };
}

/** Whether a click on a link should stay in the app (a plain left click on a same-origin link). */
export function isAppNavigation(event: MouseEvent, anchor: HTMLAnchorElement, origin: string): boolean {
  if (event.defaultPrevented || event.button !== 0) return false;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  if (anchor.hasAttribute('download') || (anchor.target && anchor.target !== '_self')) return false;
  if (anchor.dataset.reload !== undefined) return false;
  const url = new URL(anchor.href, origin);
  return url.origin === origin;
}

/** Builds `path?query`, leaving out empty values. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
