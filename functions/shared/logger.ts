import { Logger } from '@aws-lambda-powertools/logger';

/** One Powertools logger per function instance; service name and level come from POWERTOOLS_* env. */
export const logger = new Logger();
