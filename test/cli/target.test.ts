import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli/errors';
import { resolveTarget } from '../../cli/target';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const STREAM = 'https://def456.execute-api.eu-west-1.amazonaws.com/prod';

describe('resolveTarget', () => {
  it('takes the stream URL from --stream-url before TASKLANE_STREAM_URL, with a trailing slash', () => {
    // Act
    const fromFlag = resolveTarget({ apiUrl: API, streamUrl: STREAM, apiKey: 'k', local: false }, {}, '/');
    const fromEnv = resolveTarget(
      { apiUrl: API, apiKey: 'k', local: false },
      { TASKLANE_STREAM_URL: `${STREAM}/other` },
      '/',
    );

    // Assess
    expect(fromFlag.baseUrl.href).toBe(`${API}/`);
    expect(fromFlag.streamBaseUrl?.href).toBe(`${STREAM}/`);
    expect(fromEnv.streamBaseUrl?.href).toBe(`${STREAM}/other/`);
  });

  it('leaves the stream URL unset without one, so the client streams from the API URL', () => {
    const target = resolveTarget({ apiUrl: API, apiKey: 'k', local: false }, {}, '/');

    expect(target.streamBaseUrl).toBeUndefined();
  });

  it('refuses a stream URL that is not http(s), naming the flag', () => {
    const resolve = () => resolveTarget({ apiUrl: API, streamUrl: 'def456/prod', apiKey: 'k', local: false }, {}, '/');

    expect(resolve).toThrow(CliError);
    expect(resolve).toThrow(/--stream-url must be an http\(s\) URL .*got "def456\/prod"/);
  });
});
