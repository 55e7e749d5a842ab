import { describe, expect, it } from 'vitest';
import { compileEventPattern, EventPatternError, matchesEventPattern } from '../../../lib/local/eventbridge/event-pattern.ts';

/**
 * Event-pattern vectors: the operators and examples of EventBridge's "event patterns" and
 * "content filtering" documentation, and the edge cases its rule engine is known to decide
 * (null vs missing, typed comparisons, array consistency, exists on objects). Each row is
 * [name, pattern, event, expected]; expected `invalid` means PutRule would refuse the pattern.
 */
type Expected = boolean | 'invalid';
type Vector = readonly [name: string, pattern: unknown, event: Record<string, unknown>, expected: Expected];

const ec2 = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2, detail });

const vectors: readonly Vector[] = [
  // Exact values, AND across fields, OR within a list.
  ['exact string on the envelope', { source: ['aws.ec2'] }, ec2, true],
  ['exact string, other value', { source: ['aws.s3'] }, ec2, false],
  ['any value of the list', { detail: { state: ['initializing', 'running'] } }, ec2, true],
  ['all fields must match', { source: ['aws.ec2'], detail: { state: ['stopped'] } }, ec2, false],
  ['documented simple example', { 'detail-type': ['EC2 Instance State-change Notification'], resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'], detail: { state: ['initializing', 'running'] } }, ec2, true],
  ['field names are case sensitive', { Source: ['aws.ec2'] }, ec2, false],
  ['values are case sensitive', { source: ['AWS.EC2'] }, ec2, false],
  ['missing field never matches a value', { detail: { nope: ['x'] } }, ec2, false],
  ['unicode and trailing space kept', { detail: { s: ['emoji 🚀 and space '] } }, withDetail({ s: 'emoji 🚀 and space ' }), true],
  ['number literal', { detail: { 'c-count': [5] } }, ec2, true],
  ['number compares by value (300 vs 300.0)', { detail: { n: [300] } }, withDetail({ n: 300.0 }), true],
  ['number 3.0e2 literal', { detail: { n: [3.0e2] } }, withDetail({ n: 300 }), true],
  ['string "5" is not the number 5', { detail: { 'c-count': ['5'] } }, ec2, false],
  ['number 5 is not the string "5"', { detail: { n: [5] } }, withDetail({ n: '5' }), false],
  ['boolean false', { detail: { b: [false] } }, withDetail({ b: false }), true],
  ['boolean true vs false', { detail: { b: [false] } }, withDetail({ b: true }), false],
  ['boolean is not its string', { detail: { b: [true] } }, withDetail({ b: 'true' }), false],
  // Null and empty strings.
  ['null matches null', { detail: { responseElements: [null] } }, withDetail({ responseElements: null }), true],
  ['null does not match "null"', { detail: { responseElements: [null] } }, withDetail({ responseElements: 'null' }), false],
  ['null does not match a missing field', { detail: { responseElements: [null] } }, withDetail({}), false],
  ['empty string matches empty string', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: '' }), true],
  ['empty string does not match null', { detail: { eventVersion: [''] } }, withDetail({ eventVersion: null }), false],
  ['null in a list among strings', { detail: { v: ['a', null] } }, withDetail({ v: null }), true],
  // Arrays: the event array is a set; the intersection must be non-empty.
  ['array intersection', { resources: ['arn:x', 'arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'] }, ec2, true],
  ['array without intersection', { resources: ['arn:x', 'arn:y'] }, ec2, false],
  ['empty event array matches no value', { resources: [null] }, { ...ec2, resources: [] }, false],
  ['nested arrays are flattened', { detail: { tags: ['b'] } }, withDetail({ tags: [['a'], ['b', 'c']] }), true],
  ['object array: a field of any element', { detail: { employees: { firstName: ['Anna'] } } }, withDetail({ employees: [{ firstName: 'John' }, { firstName: 'Anna' }] }), true],
  ['object array: two fields in one element', { detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } }, withDetail({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }), true],
  ['object array: fields from different elements do not combine', { detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } }, withDetail({ employees: [{ firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] }), false],
  ['object array: nested level split', { u: { t: { k: ['color'], v: ['blue'] } } }, { u: [{ t: [{ k: 'color' }, { v: 'blue' }] }] }, false],
  ['object array: nested level together', { u: { t: { k: ['color'], v: ['blue'] } } }, { u: [{ t: [{ k: 'color', v: 'blue' }] }] }, true],
  // Nested fields.
  ['nested object', { detail: { a: { b: { c: ['deep'] } } } }, withDetail({ a: { b: { c: 'deep' } } }), true],
  ['nested pattern against a string holding JSON', { detail: { 'my-key': ['my-value'] } }, { ...ec2, detail: '{"my-key": "my-value"}' }, false],
  ['nested pattern against a scalar', { detail: { a: { b: ['x'] } } }, withDetail({ a: 'x' }), false],
  // Prefix and suffix.
  ['prefix', { time: [{ prefix: '2017-10-02' }] }, ec2, true],
  ['prefix, other day', { time: [{ prefix: '2017-10-03' }] }, ec2, false],
  ['empty prefix matches any string', { source: [{ prefix: '' }] }, ec2, true],
  ['prefix never matches a number', { detail: { 'c-count': [{ prefix: '5' }] } }, ec2, false],
  ['prefix equals-ignore-case', { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, withDetail({ service: 'eVENTbridge' }), true],
  ['prefix equals-ignore-case, other prefix', { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, withDetail({ service: 'lambda' }), false],
  ['suffix', { detail: { FileName: [{ suffix: '.png' }] } }, withDetail({ FileName: 'image.png' }), true],
  ['suffix is case sensitive', { detail: { FileName: [{ suffix: '.PNG' }] } }, withDetail({ FileName: 'image.png' }), false],
  ['suffix equals-ignore-case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'image.PNG' }), true],
  ['suffix equals-ignore-case, other suffix', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, withDetail({ FileName: 'image.jpg' }), false],
  ['prefix on one array element', { detail: { tags: [{ prefix: 'ad' }] } }, withDetail({ tags: ['user', 'admin'] }), true],
  // equals-ignore-case.
  ['equals-ignore-case', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2, true],
  ['equals-ignore-case, other text', { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance' }] }, ec2, false],
  ['equals-ignore-case on empty string', { detail: { v: [{ 'equals-ignore-case': '' }] } }, withDetail({ v: '' }), true],
  // anything-but.
  ['anything-but string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2, true],
  ['anything-but string, excluded', { detail: { state: [{ 'anything-but': 'running' }] } }, ec2, false],
  ['anything-but number', { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2, true],
  ['anything-but number, excluded', { detail: { 'x-limit': [{ 'anything-but': 301.8 }] } }, ec2, false],
  ['anything-but zero', { detail: { n: [{ 'anything-but': 0 }] } }, withDetail({ n: 789 }), true],
  ['anything-but string list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2, true],
  ['anything-but string list, excluded', { detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, ec2, false],
  ['anything-but number list, excluded', { detail: { n: [{ 'anything-but': [100, 200, 300] }] } }, withDetail({ n: 300 }), false],
  ['anything-but matches null', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({ state: null }), true],
  ['anything-but never matches a missing field', { detail: { state: [{ 'anything-but': 'initializing' }] } }, withDetail({}), false],
  ['anything-but a number keeps the same text as a string', { detail: { n: [{ 'anything-but': 123 }] } }, withDetail({ n: '123' }), true],
  ['anything-but on an array: one other value suffices', { detail: { tags: [{ 'anything-but': 'banned' }] } }, withDetail({ tags: ['banned', 'ok'] }), true],
  ['anything-but prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'post-init' }), true],
  ['anything-but prefix, excluded', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 'init-1' }), false],
  ['anything-but prefix list', { detail: { state: [{ 'anything-but': { prefix: ['init', 'post'] } }] } }, withDetail({ state: 'post-init' }), false],
  ['anything-but prefix on a number', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, withDetail({ state: 12 }), true],
  ['anything-but suffix', { detail: { f: [{ 'anything-but': { suffix: '.txt' } }] } }, withDetail({ f: 'file.txt.bak' }), true],
  ['anything-but suffix, excluded', { detail: { f: [{ 'anything-but': { suffix: ['.txt', '.jpg'] } }] } }, withDetail({ f: 'file.jpg' }), false],
  ['anything-but equals-ignore-case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } }, withDetail({ state: 'pending' }), true],
  ['anything-but equals-ignore-case, excluded', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] } }, withDetail({ state: 'Stopped' }), false],
  ['anything-but wildcard', { detail: { p: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, withDetail({ p: 'src/app/main.ts' }), true],
  ['anything-but wildcard, excluded', { detail: { p: [{ 'anything-but': { wildcard: ['*/init/*', '*/lib/*'] } }] } }, withDetail({ p: 'dir/lib/x' }), false],
  ['anything-but wildcard "" matches non-empty text', { detail: { p: [{ 'anything-but': { wildcard: '' } }] } }, withDetail({ p: 'dir/x' }), true],
  // numeric.
  ['numeric range, documented example', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, ec2, true],
  ['numeric range, upper bound excluded', { detail: { n: [{ numeric: ['>', 0, '<', 5] }] } }, withDetail({ n: 5 }), false],
  ['numeric range, lower bound included', { detail: { n: [{ numeric: ['>=', 0, '<', 5] }] } }, withDetail({ n: 0 }), true],
  ['numeric above upper', { detail: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, withDetail({ n: 42 }), false],
  ['numeric float against int bound', { n: [{ numeric: ['>', 100] }] }, { n: 101.0 }, true],
  ['numeric negative', { n: [{ numeric: ['<', -1.5] }] }, { n: -2 }, true],
  ['numeric never matches a numeric string', { n: [{ numeric: ['>', 1] }] }, { n: '5' }, false],
  ['numeric never matches null', { n: [{ numeric: ['>', 100] }] }, { n: null }, false],
  ['numeric on an array, one element in range', { d: { vals: [{ numeric: ['>', 0, '<', 10] }] } }, { d: { vals: [100, 5, 200] } }, true],
  ['numeric or anything-but in one list', { d: { N: [{ numeric: ['>', 100] }, { 'anything-but': '101' }] } }, { d: { N: '101' } }, false],
  // exists.
  ['exists true', { detail: { 'c-count': [{ exists: true }] } }, ec2, true],
  ['exists true, missing', { detail: { 'e-count': [{ exists: true }] } }, ec2, false],
  ['exists false, missing', { detail: { 'e-count': [{ exists: false }] } }, ec2, true],
  ['exists false, present', { detail: { 'c-count': [{ exists: false }] } }, ec2, false],
  ['exists true on null (a value)', { detail: { r: [{ exists: true }] } }, withDetail({ r: null }), true],
  ['exists true on an object (not a leaf)', { detail: { 'c-count': [{ exists: true }] } }, withDetail({ 'c-count': { c1: 100 } }), false],
  ['exists false on an object (not a leaf)', { detail: { 'c-count': [{ exists: false }] } }, withDetail({ 'c-count': { c1: 100 } }), true],
  ['exists true below an object', { d: { k: { S: [{ exists: true }] } } }, { d: { k: { S: 'x' } } }, true],
  ['exists true on an empty array', { resources: [{ exists: true }] }, { ...ec2, resources: [] }, false],
  ['exists false on an empty array', { resources: [{ exists: false }] }, { ...ec2, resources: [] }, true],
  ['exists true on a non-empty array', { resources: [{ exists: true }] }, ec2, true],
  ['exists false deep under a missing parent', { detail: { a: { b: { c: [{ exists: false }] } } } }, withDetail({ a: { x: 1 } }), true],
  ['exists in an object array, same element', { d: { a: [{ exists: true }], b: [{ exists: true }] } }, { d: [{ a: 1 }, { b: 2 }, { a: 3, b: 4 }] }, true],
  ['exists in an object array, split', { d: { a: [{ exists: true }], b: [{ exists: true }] } }, { d: [{ a: 1 }, { b: 2 }] }, false],
  ['exists true with exists false in one element', { d: { a: [{ exists: true }], b: [{ exists: false }] } }, { d: [{ a: 1, b: 2 }, { a: 3 }] }, true],
  ['exists false in every element', { d: { b: [{ exists: false }] } }, { d: [{ a: 1 }, { b: 2 }] }, false],
  ['exists false with nothing in the array', { d: { b: [{ exists: false }] } }, { d: [] }, true],
  ['anything-but or exists false: field missing', { img: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } }, { img: { N: '1' } }, true],
  ['anything-but or exists false: parent missing', { img: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } }, { other: 1 }, true],
  ['anything-but or exists false: excluded value', { img: { S: [{ 'anything-but': ['roses'] }, { exists: false }] } }, { img: { S: 'roses' } }, false],
  // wildcard.
  ['wildcard', { detail: { f: [{ wildcard: '/Users/*/doc.txt' }] } }, withDetail({ f: '/Users/me/dir/dir/doc.txt' }), true],
  ['wildcard, other ending', { detail: { f: [{ wildcard: '/Users/*/doc.txt' }] } }, withDetail({ f: '/Users/me/notdoc.txt.bak' }), false],
  ['wildcard star matches nothing', { detail: { f: [{ wildcard: 'a*b' }] } }, withDetail({ f: 'ab' }), true],
  ['wildcard in the middle of an ARN', { arn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, { arn: 'arn:aws:events:us-east-1:123456789012:event-bus/myBus' }, true],
  ['wildcard escaped star is literal', { f: [{ wildcard: 'a\\*b' }] }, { f: 'a*b' }, true],
  ['wildcard escaped star does not match other text', { f: [{ wildcard: 'a\\*b' }] }, { f: 'axxb' }, false],
  ['wildcard escaped backslash', { f: [{ wildcard: 'a\\\\*' }] }, { f: 'a\\tail' }, true],
  ['wildcard "" matches only the empty string', { f: [{ wildcard: '' }] }, { f: 'x' }, false],
  ['wildcard regex characters are literal', { f: [{ wildcard: 'a.c(*)' }] }, { f: 'abc(x)' }, false],
  ['wildcard never matches a number', { f: [{ wildcard: '*' }] }, { f: 1 }, false],
  // cidr.
  ['cidr IPv4', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, ec2, true],
  ['cidr IPv4 outside the block', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, ec2, false],
  ['cidr IPv4 invalid address in the event', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.256' }, false],
  ['cidr never matches a number', { ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 123 }, false],
  ['cidr IPv6', { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] }, { ip: '2001:0db8:1234:1a00:0000:0000:0000:0001' }, true],
  ['cidr IPv6 outside the block', { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] }, { ip: '2001:db8:123f:1a01::' }, false],
  ['cidr IPv4 block vs IPv6 address', { ip: [{ cidr: '10.0.0.0/8' }] }, { ip: '::ffff:10.0.0.1' }, false],
  // $or.
  ['$or at the top', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' }, true],
  ['$or at the top, no alternative', { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] }, { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, false],
  ['$or nested in detail', { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } }, withDetail({ 'c-count': 0, 'd-count': 0 }), true],
  ['$or nested in detail, none', { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } }, withDetail({ 'c-count': 0, 'd-count': 10 }), false],
  ['$or with an AND inside and a nested $or', { source: ['s'], $or: [{ a: ['1'] }, { b: ['2'], c: ['3'], $or: [{ d: [4] }, { e: [5] }] }] }, { source: 's', b: '2', c: '3', e: 5 }, true],
  ['$or with an AND inside, half of it', { source: ['s'], $or: [{ a: ['1'] }, { b: ['2'], c: ['3'] }] }, { source: 's', b: '2', c: 'x' }, false],
  ['parallel $or at two levels', { $or: [{ a: ['1'] }, { b: ['2'] }], detail: { $or: [{ c: ['3'] }, { d: ['4'] }] } }, { b: '2', detail: { d: '4' } }, true],
  ['$or of operators is a field named $or', { $or: [{ numeric: ['>', 1] }, { prefix: 'a' }] }, { $or: 'abc' }, true],
];

describe('event patterns', () => {
  it('has a thorough vector table', () => {
    expect(vectors.filter(([, , , expected]) => expected === true).length).toBeGreaterThanOrEqual(60);
    expect(vectors.filter(([, , , expected]) => expected === false).length).toBeGreaterThanOrEqual(50);
  });

  it.each(vectors)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(compileEventPattern(pattern), event)).toBe(expected);
  });

  it('accepts the pattern as JSON text, as CloudFormation may give it', () => {
    expect(matchesEventPattern(compileEventPattern('{"source":["aws.ec2"]}'), ec2)).toBe(true);
  });
});

/** Patterns PutRule refuses, each with the reason it gives. */
const invalid: readonly (readonly [name: string, pattern: unknown, reason: RegExp])[] = [
  ['not JSON', '{"source": [', /not valid JSON/],
  ['not an object', ['aws.ec2'], /not an object/],
  ['empty pattern', {}, /Empty objects/],
  ['empty nested object', { detail: {} }, /Empty objects/],
  ['a value that is not a list (string)', { source: 'aws.ec2' }, /must be an object or an array/],
  ['a value that is not a list (number)', { n: 42 }, /must be an object or an array/],
  ['empty list', { resources: [] }, /Empty arrays/],
  ['a list inside the list', { source: [['a']] }, /Match value must be/],
  ['unknown operator', { source: [{ contains: 'ec2' }] }, /Unrecognized match type contains/],
  ['operators are case sensitive', { n: [{ NUMERIC: ['=', 5] }] }, /Unrecognized match type NUMERIC/],
  ['exists in capitals', { n: [{ EXISTS: true }] }, /Unrecognized match type EXISTS/],
  ['two operators in one object', { n: [{ prefix: 'a', suffix: 'b' }] }, /Only one key/],
  ['prefix must be a string', { time: [{ prefix: 123 }] }, /prefix match pattern must be a string/],
  ['prefix list', { time: [{ prefix: ['2022'] }] }, /prefix match pattern must be a string/],
  ['suffix must be a string', { f: [{ suffix: 123 }] }, /suffix match pattern must be a string/],
  ['prefix with another nested operator', { f: [{ prefix: { wildcard: 'a*' } }] }, /Unsupported prefix pattern/],
  ['equals-ignore-case list', { f: [{ 'equals-ignore-case': ['a'] }] }, /equals-ignore-case match pattern must be a string/],
  ['equals-ignore-case nested prefix', { f: [{ 'equals-ignore-case': { prefix: 'a' } }] }, /equals-ignore-case match pattern must be a string/],
  ['wildcard must be a string', { f: [{ wildcard: 123 }] }, /wildcard match pattern must be a string/],
  ['wildcard consecutive stars', { f: [{ wildcard: 'arn:**:bus' }] }, /Consecutive wildcard/],
  ['wildcard unknown escape', { f: [{ wildcard: 'a\\b' }] }, /Invalid escape/],
  ['anything-but null', { s: [{ 'anything-but': null }] }, /anything-but must be an array or single/],
  ['anything-but list with null', { s: [{ 'anything-but': ['stopped', null] }] }, /mixed type/],
  ['anything-but mixed list', { s: [{ 'anything-but': ['a', 1] }] }, /mixed type/],
  ['anything-but empty list', { s: [{ 'anything-but': [] }] }, /Empty arrays/],
  ['anything-but empty prefix', { s: [{ 'anything-but': { prefix: '' } }] }, /Null prefix\/suffix/],
  ['anything-but empty suffix', { s: [{ 'anything-but': { suffix: '' } }] }, /Null prefix\/suffix/],
  ['anything-but prefix number', { s: [{ 'anything-but': { prefix: 123 } }] }, /must be a string/],
  ['anything-but suffix list with a number', { s: [{ 'anything-but': { suffix: [123, '.txt'] } }] }, /must be a string/],
  ['anything-but prefix ignore-case (unsupported)', { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'a' } } }] }, /must be a string/],
  ['anything-but equals-ignore-case numbers', { s: [{ 'anything-but': { 'equals-ignore-case': [123] } }] }, /must be a string/],
  ['anything-but wildcard number', { s: [{ 'anything-but': { wildcard: 123 } }] }, /must be a string/],
  ['anything-but unknown nested operator', { s: [{ 'anything-but': { numeric: ['>', 1] } }] }, /Unsupported anything-but pattern/],
  ['numeric not a list', { n: [{ numeric: 10 }] }, /numeric must be an array/],
  ['numeric two lower bounds', { n: [{ numeric: ['>', 0, '>', 0] }] }, /Bad value in numeric range/],
  ['numeric missing bound', { n: [{ numeric: ['>', 0, '<'] }] }, /must be numeric/],
  ['numeric unknown operator', { n: [{ numeric: ['!=', 0] }] }, /Unrecognized numeric range operator/],
  ['numeric equals with a range', { n: [{ numeric: ['=', 1, '<', 2] }] }, /Too many elements/],
  ['numeric upper then lower', { n: [{ numeric: ['<', 5, '>', 1] }] }, /Too many elements/],
  ['numeric inverted range', { n: [{ numeric: ['>', 5, '<', 1] }] }, /Bottom must be less than top/],
  ['numeric bound that is a string', { n: [{ numeric: ['>', '5'] }] }, /must be numeric/],
  ['exists not a boolean', { n: [{ exists: 'true' }] }, /either true or false/],
  ['cidr not an address', { ip: [{ cidr: 'bad-filter' }] }, /Nonstandard IP address/],
  ['cidr bad IPv4', { ip: [{ cidr: 'xx.11.xx/8' }] }, /Nonstandard IP address/],
  ['cidr bad IPv6', { ip: [{ cidr: 'xxxx:db8:1234:1a00::/64' }] }, /Nonstandard IP address/],
  ['cidr mask too long', { ip: [{ cidr: '10.0.0.0/33' }] }, /Nonstandard IP address/],
  ['cidr list', { ip: [{ cidr: ['10.0.0.0/8'] }] }, /cidr match pattern must be a string/],
  ['$or with one alternative', { $or: [{ a: ['1'] }] }, /at least 2 Objects/],
];

describe('event pattern validation', () => {
  it.each(invalid)('refuses %s', (_name, pattern, reason) => {
    let thrown: unknown;
    try {
      compileEventPattern(pattern);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventPatternError);
    expect((thrown as EventPatternError).code).toBe('INVALID_EVENT_PATTERN');
    expect((thrown as EventPatternError).message).toMatch(/^Event pattern is not valid\. Reason: /);
    expect((thrown as EventPatternError).reason).toMatch(reason);
  });

  it('names where the problem is', () => {
    expect(() => compileEventPattern({ detail: { state: ['a', { prefix: 1 }] } })).toThrow('(at detail.state[1].prefix)');
  });
});
