// The one place the daemon gets its IKEv2 engine from.
import type { EngineDeps, IkeEngineApi } from '../ikev2/engine-api';
import { IkeEngine } from '../ikev2/engine';

export function createEngine(deps: EngineDeps): IkeEngineApi {
  return new IkeEngine(deps);
}
