// A control message that breaks the protocol: its own file so that the message parsers of each command
// (protocol.ts, eroute-wire.ts) can share it without importing each other.

/** Libreswan's RC_BADWHACKMESSAGE (protocol.ts RC.BADWHACKMESSAGE). */
const BADWHACKMESSAGE = 50;

export class ProtocolError extends Error {
  constructor(message: string, readonly rc: number = BADWHACKMESSAGE) {
    super(message);
    this.name = 'ProtocolError';
  }
}
