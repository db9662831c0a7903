// The one place the daemon gets its IKEv2 engine from. Until the engine (src/ikev2/engine.ts) is merged
// this returns a placeholder that keeps connections and refuses to negotiate; the merge swaps in
// `new IkeEngine(deps)` here and nowhere else.
import type { ConnectionConfig } from '../config/model';
import type { Datagram, EngineDeps, EngineStatus, IkeEngineApi, InitiateResult } from '../ikev2/engine-api';

export const ENGINE_MISSING = 'IKEv2 engine not built yet';

class PlaceholderEngine implements IkeEngineApi {
  private readonly conns = new Map<string, ConnectionConfig>();

  constructor(private readonly deps: EngineDeps) {}

  addConnection(conn: ConnectionConfig): void {
    this.conns.set(conn.name, conn);
  }

  async deleteConnection(name: string): Promise<void> {
    this.conns.delete(name);
  }

  connectionNames(): string[] {
    return [...this.conns.keys()];
  }

  async initiate(name: string): Promise<InitiateResult> {
    if (!this.conns.has(name)) throw new Error(`no connection named "${name}"`);
    throw new Error(ENGINE_MISSING);
  }

  async terminate(name: string): Promise<void> {
    if (!this.conns.has(name)) throw new Error(`no connection named "${name}"`);
  }

  async rekey(): Promise<void> {
    throw new Error(ENGINE_MISSING);
  }

  receive(datagram: Datagram): void {
    this.deps.logger.debug('base', `dropped ${datagram.data.length} bytes from ${datagram.remote.address}:${datagram.remote.port}: ${ENGINE_MISSING}`);
  }

  status(): EngineStatus {
    return { ikeSas: [], childSas: [] };
  }

  async shutdown(): Promise<void> {
    this.conns.clear();
  }
}

export function createEngine(deps: EngineDeps): IkeEngineApi {
  return new PlaceholderEngine(deps);
}
