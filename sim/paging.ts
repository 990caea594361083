/**
 * The simulator's paged answers (SimulatorOptions.paging): a data answer (a snapshot of
 * `readingsPerCall` readings, taken when its first page is asked for) served in pages of the
 * client's size. Every page says its number and the number of pages (`X-Page`, `X-Total-Pages`)
 * and, but the last, links to the next (`Link: <…>; rel="next"`, RFC 8288):
 * - `cursor`: `?limit=N`, then the next link's `?limit=N&cursor=C` (C names the snapshot and page);
 * - `page`: `?page=k&per_page=N`, pages 2… of the latest snapshot.
 */
export type Paging = 'cursor' | 'page';

export const DEFAULT_PAGE_SIZE = 100;

export interface PagedRequest {
  /** Page 1: a new snapshot is taken. */
  first: boolean;
  page: number;
  size: number;
  /** The snapshot a cursor names (index and moment), for the pages after the first. */
  snapshot?: { index: number; at: number };
}

export function pagedRequest(paging: Paging, url: URL): PagedRequest {
  const number = (name: string, fallback: number) => {
    const value = Number(url.searchParams.get(name) ?? fallback);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  if (paging === 'page') {
    const page = number('page', 1);
    return { first: page === 1, page, size: number('per_page', DEFAULT_PAGE_SIZE) };
  }
  const size = number('limit', DEFAULT_PAGE_SIZE);
  const cursor = url.searchParams.get('cursor');
  if (cursor === null) return { first: true, page: 1, size };
  const [index, at, page] = Buffer.from(cursor, 'base64url').toString('utf8').split('.').map(Number);
  return { first: false, page: page ?? 1, size, snapshot: { index: index ?? 0, at: at ?? 0 } };
}

/** A page's headers: its place in the answer and, but for the last, the link to the next. */
export function pageHeaders(
  paging: Paging,
  requestUrl: string,
  at: { snapshot: { index: number; at: number }; page: number; totalPages: number; size: number },
): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Page': String(at.page),
    'X-Total-Pages': String(at.totalPages),
  };
  if (at.page >= at.totalPages) return headers;
  const next = new URL(requestUrl, 'http://simulator');
  if (paging === 'page') {
    next.searchParams.set('page', String(at.page + 1));
    next.searchParams.set('per_page', String(at.size));
  } else {
    next.searchParams.set('limit', String(at.size));
    const cursor = `${at.snapshot.index}.${at.snapshot.at}.${at.page + 1}`;
    next.searchParams.set('cursor', Buffer.from(cursor).toString('base64url'));
  }
  headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
  return headers;
}
