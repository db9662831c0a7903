// Splits a proposal into algorithm tokens the way Libreswan does: each token remembers the delimiter
// before it (prevTerm) and after it (thisTerm), and the parser peeks one token ahead (next).
// A token is null once the input is used up; an empty string is a token that is present but empty.

export function splitToken(input: string | null, delims: string): { token: string | null; term: string; rest: string | null } {
  if (input === null) return { token: null, term: '', rest: null };
  for (let i = 0; i < input.length; i++) {
    if (delims.includes(input[i])) return { token: input.slice(0, i), term: input[i], rest: input.slice(i + 1) };
  }
  return { token: input, term: '', rest: null };
}

export class ProposalTokens {
  prevTerm = '';
  thisToken: string | null = null;
  thisTerm = '';
  next: string | null = null;
  nextTerm = '';
  private input: string | null;

  constructor(input: string, private readonly delims: string) {
    this.input = input;
    this.advance();
    this.advance();
  }

  advance(): void {
    this.prevTerm = this.thisTerm;
    this.thisTerm = this.nextTerm;
    this.thisToken = this.next;
    const { token, term, rest } = splitToken(this.input, this.delims);
    this.next = token;
    this.nextTerm = term;
    this.input = rest;
  }

  clone(): ProposalTokens {
    const copy = Object.create(ProposalTokens.prototype) as ProposalTokens;
    Object.assign(copy, this);
    return copy;
  }
}

/** Splits a whole ike=/esp=/ah= value into its comma-separated proposals (an empty one included). */
export function splitProposals(text: string): string[] {
  const out: string[] = [];
  let input: string | null = text;
  do {
    const { token, rest } = splitToken(input, ',');
    out.push(token ?? '');
    input = rest;
  } while (input !== null);
  return out;
}
