import type { RuntimeConfig } from '../config';
import type { ResultStore } from '../core/result-store';

/**
 * The result store on the files bucket, or undefined without one configured. The S3 client and the
 * presigner load on the first large result or link, not at the cold start of a function that may never need them.
 */
export function lazyS3ResultStore(
  config: Pick<RuntimeConfig, 'region' | 'endpoints' | 'downloadUrlExpirySeconds' | 'resultsBucket'>,
): ResultStore | undefined {
  const bucket = config.resultsBucket;
  if (!bucket) return undefined;
  let store: Promise<ResultStore> | undefined;
  const load = () =>
    (store ??= Promise.all([import('./s3-client'), import('./s3-result-store')]).then(
      ([{ createS3Client }, { S3ResultStore }]) =>
        new S3ResultStore(createS3Client(config), bucket, config.downloadUrlExpirySeconds),
    ));
  return {
    put: async (key, json) => (await load()).put(key, json),
    get: async (key) => (await load()).get(key),
    link: async (key) => (await load()).link(key),
  };
}
