// Numbers as ipsec_eroute(8) takes them (decimal, hexadecimal with a leading 0x, octal with a leading 0)
// and the names it also takes for them: transport protocols from the first column of /etc/protocols,
// ports from the first column of /etc/services.
import * as fs from 'node:fs';

export const PROTOCOLS_FILE = '/etc/protocols';
export const SERVICES_FILE = '/etc/services';

/** A C-style unsigned number (strtoul with base 0): "110", "0x6e", "0156"; undefined if it is not one. */
export function parseCNumber(text: string): number | undefined {
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) v = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) v = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) v = parseInt(text, 10);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** The lines of an /etc/services-style file without comments, split into words. */
function tableLines(file: string): string[][] {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return content
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/));
}

/** The number of a protocol named in the first column of `file` (/etc/protocols: "tcp 6 TCP"). */
export function lookupProtocol(name: string, file = PROTOCOLS_FILE): number | undefined {
  for (const [first, number] of tableLines(file)) {
    if (first === name && number !== undefined && /^\d+$/.test(number)) return Number(number);
  }
  return undefined;
}

/** The port of a service named in the first column of `file` for `proto` (/etc/services: "pop3 110/tcp"). */
export function lookupService(name: string, proto: 'tcp' | 'udp', file = SERVICES_FILE): number | undefined {
  for (const [first, portProto] of tableLines(file)) {
    const m = /^(\d+)\/(\w+)$/.exec(portProto ?? '');
    if (first === name && m && m[2] === proto) return Number(m[1]);
  }
  return undefined;
}
