import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeliveryError, type QueueMessage } from './target-delivery.ts';

/**
 * Sends a target's or dead-letter queue's message through SQS, turning SQS's refusals into the
 * error codes EventBridge reports (a queue that does not exist is NO_RESOURCE and not retried; a
 * refused payload is INVALID_PARAMETER; throttling, 5xx and connection failures are retried).
 * Locally no queue policy is checked: on AWS the queue's policy must let events.amazonaws.com
 * send, which `cdk` grants when it wires the target.
 */
export function queueSender(sqs: SQSClient): (message: QueueMessage) => Promise<void> {
  return async (message) => {
    try {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: message.queueUrl,
          MessageBody: message.body,
          ...(message.messageGroupId !== undefined ? { MessageGroupId: message.messageGroupId } : {}),
          ...(message.deduplicationId !== undefined ? { MessageDeduplicationId: message.deduplicationId } : {}),
          ...(message.attributes
            ? { MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])) }
            : {}),
        }),
      );
    } catch (error) {
      throw classify(error);
    }
  };
}

export function classify(error: unknown): DeliveryError {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = `${e.name ?? ''} ${e.code ?? ''}`;
  const message = e.message ?? String(error);
  const status = e.$metadata?.httpStatusCode;
  if (/NonExistentQueue|QueueDoesNotExist/.test(name)) return new DeliveryError('NO_RESOURCE', message, false);
  if (/Throttl/.test(name) || status === 429) return new DeliveryError('THROTTLING', message, true);
  if (/ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|TimeoutError/.test(name)) return new DeliveryError('CONNECTION_FAILURE', message, true);
  if (status !== undefined && status >= 500) return new DeliveryError('INTERNAL_ERROR', message, true);
  if (status !== undefined && status >= 400) return new DeliveryError('INVALID_PARAMETER', message, false);
  return new DeliveryError('INTERNAL_ERROR', message, true);
}
