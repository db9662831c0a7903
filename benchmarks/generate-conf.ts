// A synthetic ipsec.conf of N conns shaped like a large hub: a %default, shared also= sections, and
// per-site conns with addresses, subnets, lifetimes and IDs. Used by the parsing benchmark and tests.
export function generateIpsecConf(conns: number): string {
  const out: string[] = [
    'version 2',
    'config setup',
    '\tlogfile=/var/log/pluto.log',
    '\tplutodebug=none',
    '\tvirtual-private=%v4:10.0.0.0/8,%v4:!10.255.0.0/16',
    '',
    'conn %default',
    '\tkeyexchange=ike',
    '\tikev2=yes',
    '\tauthby=secret',
    '\tike=aes256-sha2;dh19',
    '\tesp=aes_gcm256',
    '\tikelifetime=8h',
    '\tsalifetime=1h',
    '\tdpddelay=30s',
    '\tdpdtimeout=120s',
    '\tleft=192.0.2.1',
    '\tleftid=@hub.example.com',
    '',
    'conn hub-common',
    '\tleftsubnet=10.0.0.0/16',
    '\trekeymargin=3m',
    '\tfragmentation=yes',
    '',
  ];
  for (let i = 0; i < conns; i++) {
    const a = (i >> 8) & 0xff;
    const b = i & 0xff;
    out.push(
      `conn site-${i}`,
      `\tright=198.${51 + (a % 4)}.${a}.${b}`,
      `\trightsubnet=10.${1 + (a % 250)}.${b}.0/24`,
      `\trightid=@site-${i}.example.com`,
      '\talso=hub-common',
      `\tmark=${i + 1}/0xffffffff`,
      '\tauto=add',
      '',
    );
  }
  return out.join('\n');
}
