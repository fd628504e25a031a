import { Transform, addAbortSignal, pipeline, type Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import { PermanentTaskError } from '../core/errors';

/** One CSV record and the file line it ends on (the header is line 1): a row's identity, the same on every read. */
export interface CsvRow {
  line: number;
  cells: string[];
}

export interface CsvReader {
  /** The header row first, then the data rows; malformed records go to `onBadRecord` instead. */
  rows: AsyncIterable<CsvRow>;
  /** Bytes of the file read so far. */
  bytesRead(): number;
  /** Stops reading (the rest of the file is left unread). */
  stop(): void;
}

/**
 * Streams CSV records out of `body` with csv-parse: a UTF-8 BOM is dropped, empty lines skipped. A
 * malformed data record (a stray quote, the wrong number of cells) is reported once per line and
 * skipped. The reading fails with a PermanentTaskError when the header itself is malformed or a
 * record exceeds `maxRecordBytes` (csv-parse drops the rest of its buffer then, so going on would
 * lose rows unreported). Aborting `signal` destroys the stream, which ends `rows` with the error.
 */
export function readCsv(
  body: Readable,
  options: { maxRecordBytes: number; signal: AbortSignal; onBadRecord(line: number, error: string): void },
): CsvReader {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    max_record_size: options.maxRecordBytes,
  });
  let lastBadLine = 0;
  parser.on('skip', (error: CsvError & { lines?: number }) => {
    const line = error.lines ?? 0;
    if (parser.info.records === 0) {
      parser.destroy(new PermanentTaskError(`The CSV header cannot be read: ${error.message}`));
    } else if (error.code === 'CSV_MAX_RECORD_SIZE') {
      parser.destroy(
        new PermanentTaskError(
          `Line ${line} is longer than ${options.maxRecordBytes} bytes; an import reads rows up to that size.`,
        ),
      );
    } else if (line !== lastBadLine) {
      // One broken record can raise more than one error; it is one bad line.
      lastBadLine = line;
      options.onBadRecord(line, error.message);
    }
  });
  // Read errors and aborts destroy the parser with them, which ends the iteration with the error.
  pipeline(body, counter, addAbortSignal(options.signal, parser), () => undefined);

  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>)
      yield { line: info.lines, cells: record };
  }
  return { rows: rows(), bytesRead: () => bytes, stop: () => parser.destroy() };
}
