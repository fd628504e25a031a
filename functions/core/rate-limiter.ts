/** Decides whether a tenant may create another task now. */
export interface RateLimiter {
  /** Returns 0 if allowed, otherwise the seconds to wait before retrying. */
  take(tenant: string): Promise<number>;
}

export const unlimited: RateLimiter = { take: async () => 0 };
