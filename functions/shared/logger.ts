import { Logger } from '@aws-lambda-powertools/logger';

/** The structured JSON logger every handler uses (level from POWERTOOLS_LOG_LEVEL, default INFO). */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}
