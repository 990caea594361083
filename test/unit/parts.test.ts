/** An hour in parts (core/parts.ts): the page checks and the manifest against a listing. */
import { checkListing, pageProblem, parseManifest, MANIFEST_NAME } from '../../core/parts';

const SHA = 'a'.repeat(64);

describe('pageProblem', () => {
  test('pages 1…T in order, the last without a next link, are right', () => {
    expect(pageProblem(1, 3, { page: 1, totalPages: 3, hasNext: true })).toBeNull();
    expect(pageProblem(3, 3, { page: 3, totalPages: 3, hasNext: false })).toBeNull();
  });

  test('a repeated page is named', () => {
    expect(pageProblem(3, 4, { page: 2, totalPages: 4, hasNext: true })).toBe(
      'page 2 was answered again where page 3 was due (a repeated page)',
    );
  });

  test('a skipped page is named, and a skipped range', () => {
    expect(pageProblem(2, 4, { page: 3, totalPages: 4, hasNext: true })).toContain('page 2 is missing');
    expect(pageProblem(2, 9, { page: 5, totalPages: 9, hasNext: true })).toContain('pages 2–4 are missing');
  });

  test('a chain that ends early names the pages it never gave', () => {
    expect(pageProblem(2, 4, { page: 2, totalPages: 4, hasNext: false })).toBe(
      'page 2 of 4 has no next link: pages 3–4 are missing',
    );
  });

  test('a next link past the last page, a changed count, a page without numbers', () => {
    expect(pageProblem(2, 2, { page: 2, totalPages: 2, hasNext: true })).toContain(
      'more pages than announced',
    );
    expect(pageProblem(2, 3, { page: 2, totalPages: 4, hasNext: true })).toContain('where page 1 said 3');
    expect(pageProblem(1, 1, { page: Number.NaN, totalPages: 1, hasNext: false })).toContain('X-Page');
  });
});

describe('parseManifest and checkListing', () => {
  const manifest = parseManifest(
    JSON.stringify({
      parts: [
        { name: 'part-1.json', bytes: 10, sha256: SHA },
        { name: 'part-2.json', bytes: 20, sha256: SHA },
        { name: 'part-3.json', bytes: 30, sha256: SHA },
      ],
    }),
  );

  test('every part listed and present with its size: nothing missing', () => {
    expect(
      checkListing(manifest, [
        { name: 'part-1.json', bytes: 10 },
        { name: 'part-2.json', bytes: 20 },
        { name: 'part-3.json', bytes: 30 },
        { name: MANIFEST_NAME, bytes: 200 },
      ]),
    ).toEqual({ missing: [], wrongSize: [], unlisted: [] });
  });

  test('a missing part, a part of another size and an object not in the manifest are each named', () => {
    expect(
      checkListing(manifest, [
        { name: 'part-1.json', bytes: 10 },
        { name: 'part-3.json', bytes: 31 },
        { name: 'part-4.json', bytes: 5 },
      ]),
    ).toEqual({
      missing: ['part-2.json'],
      wrongSize: ['part-3.json (31 bytes, manifest says 30)'],
      unlisted: ['part-4.json'],
    });
  });

  test.each([
    ['not JSON', '{', 'is not JSON'],
    ['no parts', '{}', 'has no "parts" array'],
    ['a name with a slash', JSON.stringify({ parts: [{ name: 'a/b', bytes: 1, sha256: SHA }] }), 'part 1'],
    ['no size', JSON.stringify({ parts: [{ name: 'a', sha256: SHA }] }), '"bytes"'],
    ['a short sha256', JSON.stringify({ parts: [{ name: 'a', bytes: 1, sha256: 'ab' }] }), '"sha256"'],
    [
      'a name twice',
      JSON.stringify({
        parts: [
          { name: 'a', bytes: 1, sha256: SHA },
          { name: 'a', bytes: 1, sha256: SHA },
        ],
      }),
      'listed twice',
    ],
  ])('a manifest with %s is refused, saying why', (_case, text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });
});
