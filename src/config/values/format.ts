// Canonical text of a parsed value, as readwriteconf prints it (times in seconds with an "s").
import { ValueKind } from '../keywords/types';
import { ConfValue, HostValue } from './parse-value';

function hostText(h: HostValue): string {
  switch (h.kind) {
    case 'address':
      return h.address.text;
    case 'hostname':
      return h.name;
    case 'interface':
      return `%${h.name}`;
    default:
      return `%${h.kind}`;
  }
}

export function formatValue(kind: ValueKind, value: ConfValue): string {
  switch (kind.kind) {
    case 'yesno':
      return value ? 'yes' : 'no';
    case 'time': {
      const v = value as number;
      return Number.isInteger(v) ? `${v}s` : `${Math.round(v * 1000)}ms`;
    }
    case 'percent':
      return `${value as number}%`;
    case 'keyingtries':
      return value === 0 ? '%forever' : String(value);
    case 'enumList':
      return (value as readonly string[]).join(kind.separators === 'comma' ? ',' : ' ');
    case 'host':
      return hostText(value as HostValue);
    case 'nexthop': {
      const n = value as { kind: string; address?: { text: string } };
      return n.address ? n.address.text : `%${n.kind}`;
    }
    case 'subnets':
      return `{${(value as readonly { text: string }[]).map((s) => s.text).join(',')}}`;
    case 'ipList':
      return (value as readonly { text: string }[]).map((s) => s.text).join(',');
    case 'virtualPrivate':
      return (value as readonly { exclude: boolean; subnet: { family: number; text: string } }[])
        .map((e) => `%v${e.subnet.family}:${e.exclude ? '!' : ''}${e.subnet.text}`)
        .join(',');
    default:
      if (value !== null && typeof value === 'object' && 'text' in value) return String((value as { text: string }).text);
      return String(value);
  }
}
