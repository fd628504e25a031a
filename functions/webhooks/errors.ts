/** The request did not get a response (DNS, connection, TLS or timeout). */
export class DeliveryNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryNetworkError';
  }
}

/** The target is not allowed (private, loopback, link-local or metadata address, or a bad scheme). */
export class BlockedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}
