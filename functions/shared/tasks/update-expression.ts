import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';

/**
 * Builds DynamoDB expressions with every attribute name and value aliased, so no field can clash
 * with DynamoDB's reserved words (`state`, `error`, `input`, …) and no value is ever inlined.
 */
export class Expression {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private counter = 0;

  /** `attempts[2].endedAt` → `#attempts[2].#endedAt` */
  path(...segments: ReadonlyArray<string | number>): string {
    return segments
      .map((segment) => {
        if (typeof segment === 'number') return `[${segment}]`;
        const alias = `#${segment.replace(/[^A-Za-z0-9_]/g, '_')}`;
        this.names[alias] = segment;
        return `.${alias}`;
      })
      .join('')
      .replace(/^\./, '')
      .replace(/\.\[/g, '[');
  }

  value(value: unknown): string {
    const alias = `:v${this.counter++}`;
    this.values[alias] = value;
    return alias;
  }

  /** `#state IN (:v1, :v2)` */
  oneOf(path: string, options: readonly unknown[]): string {
    return `${path} IN (${options.map((option) => this.value(option)).join(', ')})`;
  }

  /** `SET a = :v0, b = :v1` for every defined field. */
  assignments(fields: Record<string, unknown>): string[] {
    return Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => `${this.path(name)} = ${this.value(value)}`);
  }

  get attributeNames(): Record<string, string> {
    return this.names;
  }

  get attributeValues(): Record<string, AttributeValue> | undefined {
    return Object.keys(this.values).length > 0 ? marshall(this.values, { removeUndefinedValues: true }) : undefined;
  }

  /** The parts of a request that carry this expression's aliases. */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
    const values = this.attributeValues;
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(values ? { ExpressionAttributeValues: values } : {}),
    };
  }
}
