/**
 * EventBridge schedule expressions: `rate(N minute|minutes|hour|hours|day|days)` and the six-field
 * UTC `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, with `*`, `?`, lists, ranges,
 * steps, month and weekday names, `L`, `W`, `LW` and `#`. Pure: times are epoch milliseconds.
 */
export type Schedule = { readonly kind: 'rate'; readonly periodMs: number } | { readonly kind: 'cron'; readonly fields: CronFields };

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
  readonly code = 'INVALID_SCHEDULE_EXPRESSION';

  constructor(
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`Parameter ScheduleExpression is not valid: ${expression} (${reason})`);
  }
}

interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly years: ReadonlySet<number>;
  readonly day: DaySpec;
}

type DaySpec =
  | { readonly by: 'month'; readonly days: ReadonlySet<number>; readonly last: boolean; readonly lastWeekday: boolean; readonly nearestWeekday: readonly number[] }
  | { readonly by: 'week'; readonly weekdays: ReadonlySet<number>; readonly lastOf: ReadonlySet<number>; readonly nth: readonly (readonly [weekday: number, n: number])[] };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const LAST_YEAR = 2199;

export function parseScheduleExpression(expression: string): Schedule {
  const rate = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    if (value < 1) throw new ScheduleExpressionError(expression, 'the rate must be a positive whole number');
    // EventBridge insists on the singular for 1 and the plural otherwise.
    if ((value === 1) !== !unit.endsWith('s')) throw new ScheduleExpressionError(expression, `use "${value === 1 ? unit.replace(/s$/, '') : `${unit}s`}" with ${value}`);
    return { kind: 'rate', periodMs: value * UNIT_MS[unit.replace(/s$/, '')]! };
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) throw new ScheduleExpressionError(expression, 'expected rate(...) or cron(...)');
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new ScheduleExpressionError(expression, 'cron takes six fields: minutes hours day-of-month month day-of-week year');
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new ScheduleExpressionError(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const fail = (reason: string): never => {
    throw new ScheduleExpressionError(expression, reason);
  };
  return {
    kind: 'cron',
    fields: {
      minutes: parseField(minutes, 0, 59, [], fail, 'minutes'),
      hours: parseField(hours, 0, 23, [], fail, 'hours'),
      months: parseField(month, 1, 12, MONTHS, fail, 'month'),
      years: parseField(year, 1970, LAST_YEAR, [], fail, 'year'),
      day: dayOfMonth === '?' ? parseDayOfWeek(dayOfWeek, fail) : parseDayOfMonth(dayOfMonth, fail),
    },
  };
}

/**
 * The first fire time strictly after `afterMs`. A rate schedule fires every period from `startMs`
 * (when the rule came to life), a cron schedule on the minutes it names; undefined when a cron
 * schedule has no time left before 2200.
 */
export function nextFireTime(schedule: Schedule, afterMs: number, startMs: number): number | undefined {
  if (schedule.kind === 'rate') {
    const periods = Math.floor((afterMs - startMs) / schedule.periodMs) + 1;
    return startMs + Math.max(1, periods) * schedule.periodMs;
  }
  return nextCronTime(schedule.fields, afterMs);
}

function nextCronTime(fields: CronFields, afterMs: number): number | undefined {
  const start = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  const firstDay = day;
  while (true) {
    const date = new Date(day);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    if (year > LAST_YEAR) return undefined;
    if (!fields.years.has(year)) {
      day = Date.UTC(year + 1, 0, 1);
      continue;
    }
    if (!fields.months.has(month)) {
      day = Date.UTC(year, month, 1);
      continue;
    }
    if (dayMatches(fields.day, year, month, date.getUTCDate())) {
      const fromMinute = day === firstDay ? start.getUTCHours() * 60 + start.getUTCMinutes() : 0;
      for (const hour of sorted(fields.hours)) {
        for (const minute of sorted(fields.minutes)) {
          if (hour * 60 + minute >= fromMinute) return day + (hour * 60 + minute) * 60_000;
        }
      }
    }
    day += 86_400_000;
  }
}

function dayMatches(spec: DaySpec, year: number, month: number, day: number): boolean {
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1; // 1 = Sunday, as cron counts
  if (spec.by === 'month') {
    if (spec.days.has(day) || (spec.last && day === daysInMonth)) return true;
    if (spec.lastWeekday && day === nearestWeekday(year, month, daysInMonth, daysInMonth)) return true;
    return spec.nearestWeekday.some((target) => target <= daysInMonth && day === nearestWeekday(year, month, target, daysInMonth));
  }
  if (spec.weekdays.has(weekday)) return true;
  if (spec.lastOf.has(weekday) && day + 7 > daysInMonth) return true;
  return spec.nth.some(([target, n]) => target === weekday && Math.ceil(day / 7) === n);
}

/** The weekday nearest to `target` within its month (the `W` of day-of-month). */
function nearestWeekday(year: number, month: number, target: number, daysInMonth: number): number {
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === daysInMonth ? target - 2 : target + 1;
  return target;
}

function parseDayOfMonth(text: string, fail: (reason: string) => never): DaySpec {
  const days = new Set<number>();
  let last = false;
  let lastWeekday = false;
  const nearest: number[] = [];
  for (const item of text.split(',')) {
    if (item === 'L') last = true;
    else if (item === 'LW') lastWeekday = true;
    else if (/^\d+W$/.test(item)) nearest.push(inRange(Number(item.slice(0, -1)), 1, 31, fail, 'day-of-month'));
    else for (const day of parseField(item, 1, 31, [], fail, 'day-of-month')) days.add(day);
  }
  return { by: 'month', days, last, lastWeekday, nearestWeekday: nearest };
}

function parseDayOfWeek(text: string, fail: (reason: string) => never): DaySpec {
  const weekdays = new Set<number>();
  const lastOf = new Set<number>();
  const nth: [number, number][] = [];
  const weekday = (name: string) => inRange(named(name, WEEKDAYS, 1, fail, 'day-of-week'), 1, 7, fail, 'day-of-week');
  for (const item of text.split(',')) {
    if (item === 'L') weekdays.add(7);
    else if (/^\w+L$/.test(item)) lastOf.add(weekday(item.slice(0, -1)));
    else if (/^\w+#\d$/.test(item)) {
      const [name, n] = item.split('#') as [string, string];
      nth.push([weekday(name), inRange(Number(n), 1, 5, fail, 'day-of-week #')]);
    } else for (const day of parseField(item, 1, 7, WEEKDAYS, fail, 'day-of-week')) weekdays.add(day);
  }
  return { by: 'week', weekdays, lastOf, nth };
}

/** `*`, `a`, `a-b`, `*` or `a` or `a-b` followed by `/step`, and comma lists of those. */
function parseField(text: string, min: number, max: number, names: readonly string[], fail: (reason: string) => never, field: string): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') fail(`bad ${field} field "${text}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`bad step in ${field} field "${text}"`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else {
      const [a, b, more] = range!.split('-');
      if (more !== undefined) fail(`bad range in ${field} field "${text}"`);
      from = inRange(named(a!, names, min, fail, field), min, max, fail, field);
      to = b === undefined ? (stepText === undefined ? from : max) : inRange(named(b, names, min, fail, field), min, max, fail, field);
      if (to < from) fail(`range ${range} runs backwards in ${field}`);
    }
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function named(text: string, names: readonly string[], first: number, fail: (reason: string) => never, field: string): number {
  const index = names.indexOf(text.toUpperCase());
  if (index >= 0) return first + index;
  if (!/^\d+$/.test(text)) fail(`"${text}" is not a value of ${field}`);
  return Number(text);
}

function inRange(value: number, min: number, max: number, fail: (reason: string) => never, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${value} is outside ${min}-${max} in ${field}`);
  return value;
}

const sortedCache = new WeakMap<ReadonlySet<number>, number[]>();
function sorted(values: ReadonlySet<number>): number[] {
  let list = sortedCache.get(values);
  if (!list) sortedCache.set(values, (list = [...values].sort((a, b) => a - b)));
  return list;
}
