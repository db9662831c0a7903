// The one place where the values validated by other modules are checked: the algorithm strings
// (ike=, esp=/phase2alg=, ah=) by src/config/algorithms/ and the IDs (leftid=, rightid=) by src/config/id.ts.
import { ConfigError } from './errors';
import { ConnectionConfig } from './model';

/**
 * Returns the problems with a conn's algorithm strings and IDs, each at its file:line.
 * TODO(configuration issue, part 2: algorithms and IDs): call the parsers from src/config/algorithms/
 * and src/config/id.ts here once branch feat/secalg is merged; until then these values are kept as text.
 */
export function validateExternalValues(conn: ConnectionConfig): ConfigError[] {
  void conn;
  return [];
}
