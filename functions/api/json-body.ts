import { ValidationError } from '../core/errors';

/** Parses a JSON body with a 400 that says what is wrong, instead of a generic parse failure. */
export async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '')
    throw new ValidationError('The request body is empty; send a JSON object.', [
      { field: 'body', rule: 'a JSON object' },
    ]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, [
      { field: 'body', rule: 'valid JSON' },
    ]);
  }
}

/** A JSON body that may be left out: an empty body reads as `{}`. */
export async function readOptionalJson(request: Request): Promise<unknown> {
  const text = await request.clone().text();
  return text.trim() === '' ? {} : readJson(request);
}
