// Secret values in ipsec.secrets: a quoted string, or ttodata(3) text: 0x hex (optionally with '_'
// between digit pairs), 0s base64 (RFC 2045 section 6.8), 0t characters. Errors never quote the value.

export class SecretDataError extends Error {}

export function decodeSecretData(text: string): Buffer {
  const prefix = text.slice(0, 2).toLowerCase();
  const body = text.slice(2);
  if (prefix === '0x') {
    const digits = body.replace(/_/g, '');
    if (body.startsWith('_') || body.endsWith('_') || body.includes('__')) throw new SecretDataError("hex data has a misplaced '_'");
    if (digits.length === 0) throw new SecretDataError('hex data is empty');
    if (!/^[0-9a-fA-F]+$/.test(digits)) throw new SecretDataError('hex data contains a character that is not a hex digit');
    if (digits.length % 2 !== 0) throw new SecretDataError('hex data has an odd number of digits');
    return Buffer.from(digits, 'hex');
  }
  if (prefix === '0s') {
    if (body.length === 0) throw new SecretDataError('base64 data is empty');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new SecretDataError('base64 data contains a character outside A-Z a-z 0-9 + /');
    if (body.length % 4 !== 0) throw new SecretDataError('base64 data is not a whole number of 4-character groups');
    return Buffer.from(body, 'base64');
  }
  if (prefix === '0t') {
    if (body.length === 0) throw new SecretDataError('text data is empty');
    return Buffer.from(body, 'latin1');
  }
  throw new SecretDataError('value is neither a quoted string nor 0x (hex), 0s (base64) or 0t (text) data');
}
