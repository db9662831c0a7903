// Small helpers for building and reading payload lists: notifies, the first payload of a type.
import type { NotifyPayload, Payload } from './codec';
import { PayloadType } from './constants';

export function notify(notifyType: number, data: Uint8Array = new Uint8Array(0), protocolId = 0, spi: Uint8Array = new Uint8Array(0)): NotifyPayload {
  return { type: PayloadType.N, protocolId, spi, notifyType, data };
}

export function u16(value: number): Uint8Array {
  return new Uint8Array([(value >> 8) & 0xff, value & 0xff]);
}

export function readU16(data: Uint8Array): number | null {
  return data.length === 2 ? (data[0]! << 8) | data[1]! : null;
}

export function u32(value: number): Uint8Array {
  return new Uint8Array([(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

export function readU32(data: Uint8Array): number {
  return ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
}

/** The first payload of a given type (typed by the discriminant). */
/** The payload variant(s) whose type field admits T (TSi and TSr share one interface). */
export type PayloadOf<T, P = Payload> = P extends { type: infer U } ? (T extends U ? P : never) : never;

export function first<T extends Payload['type']>(payloads: readonly Payload[], type: T): PayloadOf<T> | undefined {
  return payloads.find((p) => p.type === type) as PayloadOf<T> | undefined;
}

export function all<T extends Payload['type']>(payloads: readonly Payload[], type: T): PayloadOf<T>[] {
  return payloads.filter((p) => p.type === type) as PayloadOf<T>[];
}

export function notifies(payloads: readonly Payload[], notifyType: number): NotifyPayload[] {
  return all(payloads, PayloadType.N).filter((n) => n.notifyType === notifyType);
}

export function hasNotify(payloads: readonly Payload[], notifyType: number): boolean {
  return notifies(payloads, notifyType).length > 0;
}

/** The first error notify (type < 16384), if any. */
export function firstErrorNotify(payloads: readonly Payload[]): NotifyPayload | undefined {
  return all(payloads, PayloadType.N).find((n) => n.notifyType < 16384);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function isZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
