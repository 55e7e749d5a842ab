import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localCredentials } from '../emulators/loopback.ts';
import { readDevState } from './dev-state.ts';
import { progress } from './format.ts';
import { readInputs, routeFor } from './inputs.ts';

/** `media-kit upload`: puts files into a running dev runtime; its session prints the outcomes. */
export async function uploadCommand(options: { files: readonly string[]; pipeline?: string }): Promise<number> {
  const state = readDevState();
  const inputs = readInputs(options.files, options.pipeline);
  const routes = inputs.map((input) => routeFor(state.pipelines, input.pipeline, state.preset));
  const s3 = new S3Client({ endpoint: state.endpoint, region: state.region, forcePathStyle: true, credentials: localCredentials() });
  try {
    for (const [i, input] of inputs.entries()) {
      const route = routes[i]!;
      const key = `${route.ingestPrefix}${input.name}`;
      await s3.send(new PutObjectCommand({ Bucket: route.ingestBucket, Key: key, Body: input.body, ContentType: input.contentType }));
      console.log(`uploaded ${input.input} → s3://${route.ingestBucket}/${key}`);
    }
  } finally {
    s3.destroy();
  }
  progress(`the dev session (pid ${state.pid}) prints each outcome`);
  return 0;
}
