/**
 * The partner API's paged answers (SENSOR_API_PAGING, SENSOR_API_PAGE_SIZE), as parts
 * (core/parts.ts). Every page carries `X-Page` and `X-Total-Pages`, and each but the last a
 * `Link: <…>; rel="next"`; a page that is not the one due (repeated, skipped, a chain ending early
 * or going on) fails naming it, not retryable: asking again walks the same chain.
 *
 * - `cursor`: `?limit=N`, then each page's next link. A page's successor is known only from that
 *   page, so the pages are fetched one after the other (each its own activity), and each is landed
 *   by its own activity as soon as it is stored.
 * - `page`: `?page=k&per_page=N`. Page 1 gives the count; pages 2…T are then fetched and landed
 *   in parallel, each by its own activity.
 *
 * A next link is followed only on the API's own origin: the key goes nowhere else.
 */
import { SourceError } from '../../core/errors';
import { pageId, pageProblem, type PartListing, type PartRef } from '../../core/parts';
import { PARTNER_API_SOURCE } from '../../core/policies';
import { describeUrl } from './http';
import type { PartnerDownload } from './partnerApi';
import type { FetchOptions, PartedSource } from './types';

export interface PagingSettings {
  url: string;
  mode: 'cursor' | 'page';
  pageSize: number;
}

export function pagedPartnerApi(
  settings: PagingSettings,
  download: PartnerDownload,
): Pick<PartedSource, 'listParts' | 'fetchPart'> {
  const pageUrl = (page: number) => {
    const url = new URL(settings.url);
    if (settings.mode === 'page') {
      url.searchParams.set('page', String(page));
      url.searchParams.set('per_page', String(settings.pageSize));
    } else url.searchParams.set('limit', String(settings.pageSize));
    return url.href;
  };
  const refuse = (message: string) =>
    new SourceError(PARTNER_API_SOURCE, `${message} (SENSOR_API_PAGING=${settings.mode})`, {
      retryable: false,
    });
  return {
    listParts(): Promise<PartListing> {
      // Only the first page is known before it is fetched.
      return Promise.resolve({
        parts: [{ id: pageId(1), locator: pageUrl(1), chain: true, page: 1 }],
        ignored: [],
        warnings: [],
      });
    },
    async fetchPart(_hour: Date, part: PartRef, scratchDir: string, options: FetchOptions = {}) {
      const expected = part.page ?? 1;
      const { batch, headers } = await download(part.locator, scratchDir, options);
      const header = (name: string) => {
        const value = headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      const got = {
        page: Number(header('x-page')),
        totalPages: Number(header('x-total-pages')),
        next: nextLink(header('link')),
      };
      const totalPages = expected === 1 ? got.totalPages : (part.of ?? got.totalPages);
      const problem = pageProblem(expected, totalPages, { ...got, hasNext: got.next !== undefined });
      if (problem !== null) throw refuse(`${describeUrl(settings.url)}: ${problem}`);
      const next: PartRef[] = [];
      if (settings.mode === 'page' && expected === 1) {
        // The count is known: every other page can be fetched at once.
        for (let page = 2; page <= totalPages; page += 1)
          next.push({ id: pageId(page), locator: pageUrl(page), page, of: totalPages });
      } else if (settings.mode === 'cursor' && got.next !== undefined) {
        const url = new URL(got.next, part.locator);
        if (url.origin !== new URL(settings.url).origin)
          throw refuse(`page ${expected} links to another origin (${url.origin}): the key is not sent there`);
        next.push({
          id: pageId(expected + 1),
          locator: url.href,
          chain: true,
          page: expected + 1,
          of: totalPages,
        });
      }
      return { batch, next };
    },
  };
}

/** The target of a `Link` header's rel="next" (RFC 8288), or undefined. */
function nextLink(link: string | undefined): string | undefined {
  for (const entry of (link ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(entry);
    if (match && /(^|;)\s*rel\s*=\s*"?next"?\s*(;|$)/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
