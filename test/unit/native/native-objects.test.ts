// Native objects passed back into the addon are recognised by their type tag, never by instanceof or the
// prototype chain: look-alikes are refused with a coded TypeError, and no JavaScript runs while the
// arguments are read (a Symbol.hasInstance or Proxy trap that wiped a secret already taken as an argument
// made the native code read freed memory).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';

import { rawBinding } from '../../../src/native/binding';

type Ctor = new (...args: unknown[]) => object;
type Fn = (...args: unknown[]) => unknown;

const raw = rawBinding();
const SecretBytes = raw['SecretBytes'] as Ctor;
const SkCipher = raw['SkCipher'] as Ctor;
const EspSa = raw['EspSa'] as Ctor;
const prfCompute = raw['prfCompute'] as Fn;
const espBenchmark = raw['espBenchmark'] as Fn;
const dhGenerateKeyPair = raw['dhGenerateKeyPair'] as Fn;
const dhComputeSharedAsync = raw['dhComputeSharedAsync'] as Fn;

const PRF_HMAC_SHA2_256 = 5;
const ENCR_AES_GCM_16 = 20;

function isCodedTypeError(err: unknown): boolean {
  return err instanceof TypeError && (err as { code?: unknown }).code === 'ERR_INVALID_ARG_TYPE';
}

test('an object of another native class dressed as SecretBytes is not read as one', () => {
  const cipher = new SkCipher(ENCR_AES_GCM_16, 128, 0, Buffer.alloc(20));
  Object.setPrototypeOf(cipher, SecretBytes.prototype);
  assert.ok(cipher instanceof SecretBytes);
  assert.throws(() => prfCompute(PRF_HMAC_SHA2_256, cipher, Buffer.alloc(1)), isCodedTypeError);
});

test('Object.create(EspSa.prototype) is refused, not dereferenced', () => {
  const fake = Object.create(EspSa.prototype) as object;
  assert.ok(fake instanceof EspSa);
  assert.throws(() => espBenchmark(fake, 16, 1), isCodedTypeError);
});

test('a DhKeyPair look-alike makes dhComputeSharedAsync reject with a code', async () => {
  const pair = dhGenerateKeyPair(31) as object;
  const fake = Object.create(Object.getPrototypeOf(pair) as object) as object;
  await assert.rejects(dhComputeSharedAsync(fake, Buffer.alloc(32)) as Promise<unknown>, isCodedTypeError);
  const secret = await (dhComputeSharedAsync(pair, (pair as { publicKey: Buffer }).publicKey) as Promise<{ length: number }>);
  assert.equal(secret.length, 32);
});

test('Symbol.hasInstance is not consulted while arguments are read (it could wipe a secret in use)', () => {
  const key = new SecretBytes(Buffer.alloc(64, 7)) as { wipe(): void };
  const data = new SecretBytes(Buffer.from('data')) as object;
  const expected = prfCompute(PRF_HMAC_SHA2_256, Buffer.alloc(64, 7), Buffer.from('data')) as Buffer;
  let calls = 0;
  Object.defineProperty(SecretBytes, Symbol.hasInstance, {
    configurable: true,
    value(v: unknown): boolean {
      calls++;
      key.wipe();
      return Function.prototype[Symbol.hasInstance].call(this, v);
    },
  });
  try {
    const got = prfCompute(PRF_HMAC_SHA2_256, key, data) as Buffer;
    assert.equal(calls, 0);
    assert.deepEqual(got, expected);
  } finally {
    delete (SecretBytes as { [Symbol.hasInstance]?: unknown })[Symbol.hasInstance];
  }
});

test('a Proxy given as bytes runs none of its traps and is refused', () => {
  const trapped: string[] = [];
  const handler: ProxyHandler<object> = {};
  for (const name of ['get', 'has', 'getPrototypeOf', 'ownKeys', 'getOwnPropertyDescriptor'] as const) {
    (handler as Record<string, unknown>)[name] = (...args: unknown[]) => {
      trapped.push(name);
      return (Reflect[name] as (...a: unknown[]) => unknown)(...args);
    };
  }
  const proxy = new Proxy(new SecretBytes(Buffer.alloc(8)), handler);
  assert.throws(() => prfCompute(PRF_HMAC_SHA2_256, Buffer.alloc(8, 1), proxy), isCodedTypeError);
  assert.deepEqual(trapped, []);
});
