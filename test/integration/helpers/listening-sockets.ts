import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
}

/**
 * Every TCP socket this process (all its threads) is listening on, from /proc: the socket inodes
 * among our file descriptors, matched against the kernel's TCP tables in LISTEN state.
 */
export function listeningSockets(): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match) inodes.add(match[1]!);
    } catch {
      // The fd closed between listing and reading it.
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A' || !inodes.has(fields[9]!)) continue;
      const [hexAddress, hexPort] = fields[1]!.split(':') as [string, string];
      sockets.push({ address: v6 ? ipv6(hexAddress) : ipv4(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return sockets;
}

function ipv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function ipv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const group = hex.slice(i, i + 8).match(/../g)!.reverse().join('');
    words.push(group.slice(0, 4), group.slice(4));
  }
  const text = words.map((w) => w.replace(/^0+(?=.)/, '')).join(':');
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text === '0:0:0:0:0:0:0:0') return '::';
  return text;
}
