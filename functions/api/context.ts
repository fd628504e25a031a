/** What the API's middleware puts on each request's context: the authenticated tenant. */
export type AppEnv = { Variables: { tenant: string } };

/** Resolves the caller's tenant, or undefined if the request is not authenticated. */
export type TenantResolver = (c: {
  req: { header(name: string): string | undefined };
  env: unknown;
}) => Promise<string | undefined>;
