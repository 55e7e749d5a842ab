import { describe, expect, it } from 'vitest';
import { isShowable, resultLocation } from '../../../lib/console/console-pipelines.ts';
import { isLoopbackHost, isLoopbackOrigin } from '../../../lib/console/loopback-guard.ts';
import { routeUpload } from '../../../lib/console/upload-route.ts';
import { photoJpeg } from '../../fixtures/images.ts';

const pipelines = [{ id: 'image', ingestBucket: 'ingest', ingestPrefix: 'uploads/', resultsBucket: 'results', outputPrefix: 'image/', resultDocument: 'manifest.json' }];

describe('console guards', () => {
  it('answers loopback hosts and origins only (DNS rebinding)', () => {
    expect(['127.0.0.1:4567', 'localhost:80', 'LOCALHOST', '[::1]:9'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['evil.example:4567', '127.0.0.1.evil.example', '10.0.0.1', undefined].map(isLoopbackHost)).toEqual([false, false, false, false]);
    expect([undefined, 'http://127.0.0.1:9', 'http://localhost'].map(isLoopbackOrigin)).toEqual([true, true, true]);
    expect(['http://evil.example', 'null', 'https://127.0.0.1.nip.io', 'file://'].map(isLoopbackOrigin)).toEqual([false, false, false, false]);
  });

  it('shows objects under the pipelines’ ingest and output prefixes, nothing else', () => {
    expect(isShowable(pipelines, 'ingest', 'uploads/a.jpg')).toBe(true);
    expect(isShowable(pipelines, 'results', 'image/a.jpg/thumb.webp')).toBe(true);
    expect(isShowable(pipelines, 'results', 'failures/uploads/a.jpg.json')).toBe(false);
    expect(isShowable(pipelines, 'ingest', 'image/a.jpg')).toBe(false);
    expect(isShowable(pipelines, 'other', 'uploads/a.jpg')).toBe(false);
    expect(isShowable(pipelines, 'ingest', 'uploads/a\u0000.jpg')).toBe(false);
    expect(isShowable(pipelines, 'ingest', '')).toBe(false);
  });

  it('finds the result document: the record’s key, the failure record, or the declared document', () => {
    const input = { bucket: 'ingest', key: 'uploads/a.jpg' };
    expect(resultLocation(pipelines[0]!, { input, state: 'succeeded', resultKey: 'image/a.jpg/manifest.json' })).toEqual({ bucket: 'results', key: 'image/a.jpg/manifest.json', kind: 'result' });
    expect(resultLocation(pipelines[0]!, { input, state: 'succeeded' })).toEqual({ bucket: 'results', key: 'image/a.jpg/manifest.json', kind: 'result' });
    expect(resultLocation(pipelines[0]!, { input, state: 'failed', failure: { code: 'X', message: 'm' } })).toEqual({ bucket: 'results', key: 'failures/uploads/a.jpg.json', kind: 'failure' });
    expect(resultLocation(pipelines[0]!, { input, state: 'running' })).toBeUndefined();
  });

  it('routes an upload by its content, refusing bad names, empty files and pipelines not running', async () => {
    const jpeg = await photoJpeg(32, 32);
    expect(routeUpload('photo.txt', jpeg, ['image'])).toMatchObject({ pipeline: 'image', name: 'photo.txt', contentType: 'image/jpeg' });
    expect(() => routeUpload('../x.jpg', jpeg, ['image'])).toThrow(/without slashes/);
    expect(() => routeUpload(null, jpeg, ['image'])).toThrow(/name/);
    expect(() => routeUpload('e.jpg', Buffer.alloc(0), ['image'])).toThrow(/empty/);
    expect(() => routeUpload('b.json', Buffer.from('{"battleId":"b-1"}'), ['image'])).toThrow(/settlement pipeline, which this runtime does not run/);
    expect(() => routeUpload('t.txt', Buffer.from('hello'), ['image'])).toThrow(/no image, video, battle log or job manifest/);
  });
});
