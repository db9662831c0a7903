// The one error type of the algorithm parser. Messages follow Libreswan 4.10's wording, so that
// `ipsec algparse` prints exactly what Libreswan's algparse prints.

export type ProposalProtocolName = 'IKE' | 'ESP' | 'AH';

export class AlgorithmError extends Error {
  readonly code = 'EALGORITHM';
  /** ike=, esp= or ah= */
  readonly protocol: ProposalProtocolName;

  constructor(protocol: ProposalProtocolName, message: string) {
    super(message);
    this.name = 'AlgorithmError';
    this.protocol = protocol;
  }
}
