import * as fs from 'node:fs';
import * as path from 'node:path';

export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

interface PackageJson {
  name: string;
  version: string;
}

function readPackageJson(): PackageJson {
  const raw: unknown = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const pkg = raw as Partial<PackageJson>;
  return { name: String(pkg.name ?? 'swanlet'), version: String(pkg.version ?? '0.0.0') };
}

export const PACKAGE = readPackageJson();
/** What `ipsec --version` prints. */
export const VERSION_TEXT = `${PACKAGE.name} ${PACKAGE.version} (Libreswan-compatible IPsec)`;
