import { readFile, stat } from 'node:fs/promises';
import type { Tasklane } from '../client/src';
import type { TaskView } from '../functions/core/task';
import { CliError } from './errors';

/** `--columns email=to,title=subject` → `{email: "to", title: "subject"}`. */
export function parseColumns(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const pairs = text.split(',').map((pair) => pair.split('='));
  const bad = pairs.find((pair) => pair.length !== 2 || !pair[0]!.trim() || !pair[1]!.trim());
  if (bad)
    throw new CliError(
      `--columns takes header=field pairs separated by commas, e.g. "email=to,title=subject" (got "${bad.join('=')}").`,
    );
  return Object.fromEntries(pairs.map(([header, field]) => [header!.trim(), field!.trim()]));
}

/**
 * The three steps of an import in one: POST /uploads, PUT the file to the presigned URL, and
 * POST /tasks with an `import` task that reads it.
 */
export async function importFile(
  client: Tasklane,
  file: string | undefined,
  taskType: string | undefined,
  columns: string | undefined,
): Promise<TaskView> {
  if (!file || !taskType) {
    throw new CliError(
      'import needs a CSV file and the task type of its rows, e.g. "tasklane import people.csv --type email --columns email=to,title=subject".',
    );
  }
  const mapping = parseColumns(columns);
  const size = await stat(file).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => {
      throw new CliError(`Cannot read ${file}: ${error.code ?? error.message}.`);
    },
  );
  const upload = await client.uploads.create();
  if (size > upload.max_bytes)
    throw new CliError(`${file} is ${size} bytes; an import reads at most ${upload.max_bytes}. Split the file.`);
  let put: Response;
  try {
    // The bytes as they are: the importer reads UTF-8, and re-encoding here would hide a file that is not.
    put = await fetch(upload.upload_url, { method: 'PUT', body: new Uint8Array(await readFile(file)) });
  } catch (error) {
    throw new CliError(
      `Cannot reach the upload URL's storage at ${new URL(upload.upload_url).origin}: ${(error as Error).message}.`,
    );
  }
  if (!put.ok)
    throw new CliError(
      `Uploading ${file} failed: the storage answered ${put.status} ${(await put.text()).slice(0, 300)}`,
    );
  return client.tasks.create({
    type: 'import',
    payload: { upload_id: upload.upload_id, task_type: taskType, ...(mapping ? { columns: mapping } : {}) },
  });
}
