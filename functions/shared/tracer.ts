import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Powertools tracer per function instance. It traces only inside Lambda (AWS_EXECUTION_ENV
 * set) and is a no-op elsewhere or with POWERTOOLS_TRACE_ENABLED=false; then no segment is ever
 * sent to an X-Ray daemon.
 */
export const tracer = new Tracer();

// Powertools means IGNORE_ERROR to be the default, but the X-Ray SDK reads AWS_XRAY_CONTEXT_MISSING
// before Powertools sets it and falls back to LOG_ERROR: a Lambda-like environment without trace
// data (the local runtime) would print a stack trace on every SDK call. A call made with no trace
// to attach to is simply not traced.
if (!process.env.AWS_XRAY_CONTEXT_MISSING || process.env.AWS_XRAY_CONTEXT_MISSING === 'IGNORE_ERROR') {
  tracer.provider.setContextMissingStrategy('IGNORE_ERROR');
}
