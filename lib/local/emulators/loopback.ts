/**
 * The one address every local server binds: loopback, never a wildcard. Each server passes it to
 * its own `listen` (fauxqs's app included, see s3-sqs-emulator.ts); nothing patches `net.Server`.
 */
export const LOOPBACK = '127.0.0.1';

/**
 * Credentials for clients of the local emulators, and the ones local HTTP APIs with AWS_IAM auth
 * verify signatures against (http/sigv4-auth.ts). A fresh object per client, because the SDK
 * annotates the credentials object it is given.
 */
export function localCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}
