// The peer's requests, by exchange type (DESIGN principle 2: a table, not a chain of ifs).
import type { Payload } from '../codec';
import { ExchangeType } from '../constants';
import { IkeState, type IkeSa, type RequestHandler } from '../ike-sa';
import { processCreateChild } from './create-child-sa';
import { processAuthRequest } from './ike-auth';
import { processInformational } from './informational';

export function dispatchRequests(sa: IkeSa): RequestHandler {
  const table: Record<number, RequestHandler | undefined> = {
    [ExchangeType.IKE_AUTH]: async (payloads, header) => (sa.state === IkeState.PARENT_R1 ? processAuthRequest(sa, payloads, header) : null),
    [ExchangeType.INFORMATIONAL]: async (payloads, header) =>
      sa.state === IkeState.ESTABLISHED || sa.state === IkeState.DELETING ? processInformational(sa, payloads, header) : null,
    [ExchangeType.CREATE_CHILD_SA]: async (payloads, header): Promise<Payload[] | null> =>
      sa.state === IkeState.ESTABLISHED ? processCreateChild(sa, payloads, header) : null,
  };
  return async (payloads, header, dg) => {
    const handler = table[header.exchangeType];
    return handler === undefined ? null : handler(payloads, header, dg);
  };
}
