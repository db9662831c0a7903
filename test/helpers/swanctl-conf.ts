// swanctl.conf for the reference peer, written from typed settings, one setting per line (swanctl
// rejects several settings on one line).

export interface SwanctlEndpoint {
  auth: 'psk' | 'pubkey';
  id: string;
  /** Raw public key file(s) for auth=pubkey (absolute paths). */
  pubkeys?: string[];
}

export interface SwanctlChild {
  name: string;
  localTs: string[];
  remoteTs: string[];
  /** ESP proposals, e.g. ["aes128gcm16-x25519"] (a DH group here means PFS on rekey). */
  espProposals: string[];
  mode?: 'tunnel' | 'transport';
  startAction?: 'none' | 'trap' | 'start';
  closeAction?: 'none' | 'trap' | 'start';
  rekeyTime?: string;
  lifeTime?: string;
  /** Any other setting, written as `key = value`. */
  extra?: Record<string, string>;
}

export interface SwanctlConnection {
  name: string;
  localAddrs: string[];
  remoteAddrs: string[];
  /** IKE proposals, e.g. ["aes128gcm16-prfsha256-x25519"]. */
  proposals: string[];
  local: SwanctlEndpoint;
  remote: SwanctlEndpoint;
  children: SwanctlChild[];
  /** Force UDP encapsulation (NAT-T) even without NAT. */
  encap?: boolean;
  rekeyTime?: string;
  dpdDelay?: string;
  /** Any other setting of the connection, written as `key = value`. */
  extra?: Record<string, string>;
}

export interface SwanctlSecrets {
  psk?: Array<{ ids: string[]; secret: string }>;
  /** ECDSA private key files (absolute paths): writeConfig() copies them into SWANCTL_DIR/ecdsa, where
   *  swanctl --load-all finds them (swanctl 5.9.8 ignores an `ecdsa { file = }` secret). */
  ecdsaKeys?: string[];
  /** RSA private key files (PKCS#1 PEM, absolute paths): copied into SWANCTL_DIR/rsa the same way. */
  rsaKeys?: string[];
}

export interface SwanctlConfig {
  connections: SwanctlConnection[];
  secrets?: SwanctlSecrets;
}

function settingLines(entries: ReadonlyArray<[string, string | undefined]>, indent: string): string[] {
  return entries.filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${indent}${k} = ${v}`);
}

function endpointLines(kind: 'local' | 'remote', e: SwanctlEndpoint): string[] {
  return [
    `    ${kind} {`,
    ...settingLines(
      [
        ['auth', e.auth],
        ['id', e.id],
        ['pubkeys', e.pubkeys?.join(',')],
      ],
      '      ',
    ),
    '    }',
  ];
}

/** swanctl.conf text, one setting per line (swanctl wants that). */
export function renderSwanctlConf(conf: SwanctlConfig): string {
  const lines: string[] = ['connections {'];
  for (const c of conf.connections) {
    lines.push(`  ${c.name} {`);
    lines.push(
      ...settingLines(
        [
          ['version', '2'],
          ['local_addrs', c.localAddrs.join(',')],
          ['remote_addrs', c.remoteAddrs.join(',')],
          ['proposals', c.proposals.join(',')],
          ['encap', c.encap === undefined ? undefined : c.encap ? 'yes' : 'no'],
          ['rekey_time', c.rekeyTime],
          ['dpd_delay', c.dpdDelay],
          ['mobike', 'no'],
          ...Object.entries(c.extra ?? {}),
        ],
        '    ',
      ),
    );
    lines.push(...endpointLines('local', c.local), ...endpointLines('remote', c.remote));
    lines.push('    children {');
    for (const ch of c.children) {
      lines.push(`      ${ch.name} {`);
      lines.push(
        ...settingLines(
          [
            ['local_ts', ch.localTs.join(',')],
            ['remote_ts', ch.remoteTs.join(',')],
            ['esp_proposals', ch.espProposals.join(',')],
            ['mode', ch.mode ?? 'tunnel'],
            ['start_action', ch.startAction ?? 'none'],
            ['close_action', ch.closeAction],
            ['rekey_time', ch.rekeyTime],
            ['life_time', ch.lifeTime],
            ...Object.entries(ch.extra ?? {}),
          ],
          '        ',
        ),
      );
      lines.push('      }');
    }
    lines.push('    }', '  }');
  }
  lines.push('}', 'secrets {');
  (conf.secrets?.psk ?? []).forEach((p, i) => {
    lines.push(`  ike-${i + 1} {`);
    p.ids.forEach((id, j) => lines.push(`    id-${j + 1} = ${id}`));
    lines.push(`    secret = ${JSON.stringify(p.secret)}`, '  }');
  });
  lines.push('}', '');
  return lines.join('\n');
}
