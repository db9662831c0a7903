// What the corpus assumes about the host it is checked on: the host names it uses resolve to these
// addresses and this host owns these addresses (so the verdicts do not depend on the machine's DNS).
export const CORPUS_HOSTS: Readonly<Record<string, string[]>> = {
  'vpn.example.com': ['203.0.113.50'],
};

export const CORPUS_LOCAL_ADDRESSES: readonly string[] = ['192.0.2.1', '2001:db8:0:1::1'];

export async function corpusResolver(name: string): Promise<string[]> {
  const found = CORPUS_HOSTS[name];
  if (!found) throw Object.assign(new Error(`${name} not found`), { code: 'ENOTFOUND' });
  return found;
}
