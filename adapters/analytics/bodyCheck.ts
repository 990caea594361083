/**
 * Judges a stored answer before the landing parses it: a body that is plainly no UTF-8 JSON
 * (core/bodySniff.ts), or no single JSON array (core/bodyShape.ts), fails once, named for what it
 * is. Only the first and last bytes are read when the body starts with `[` and ends with `]`; the
 * whole body is scanned only to describe one that does not (or one the parsers refused).
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { sniffBody } from '../../core/bodySniff';
import { BodyShapeScanner, judgeShape } from '../../core/bodyShape';
import { SourceError } from '../../core/errors';

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64;
const BOM = '\uFEFF';

/** Throws SourceError (retryable only when the body may have been cut in transit). */
export async function checkBody(bodyPath: string, source: string): Promise<void> {
  const { head, tail, size } = await ends(bodyPath);
  const look = sniffBody(head);
  if (look !== null)
    throw new SourceError(source, `the body is ${look.description}, not a JSON array`, {
      retryable: look.transient,
    });
  const start = new TextDecoder('utf-8').decode(head.subarray(0, 16)).replace(BOM, '').trimStart();
  if (size > 0 && start.startsWith('[') && tail.toString('latin1').trimEnd().endsWith(']')) return;
  await failOnShape(bodyPath, source, head);
}

/**
 * Throws the SourceError naming what the body is instead of one JSON array; `fallback` when the
 * scan finds it is one (the parser refused it for another reason).
 */
export async function failOnShape(
  bodyPath: string,
  source: string,
  head?: Buffer,
  fallback?: string,
): Promise<never> {
  const scanner = new BodyShapeScanner();
  for await (const chunk of createReadStream(bodyPath, { highWaterMark: 1 << 20 }))
    scanner.push(chunk as Buffer);
  const first = head ?? (await ends(bodyPath)).head;
  const text = new TextDecoder('utf-8').decode(first.subarray(0, 200)).replace(BOM, '');
  const verdict = judgeShape(scanner.shape(), text);
  throw new SourceError(
    source,
    `the body ${verdict?.message ?? `is not a JSON array of records: ${fallback ?? 'refused by the parser'}`}`,
    { retryable: verdict?.retryable ?? false },
  );
}

async function ends(file: string): Promise<{ head: Buffer; tail: Buffer; size: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, size - tail.length);
    return { head, tail, size };
  } finally {
    await handle.close();
  }
}
