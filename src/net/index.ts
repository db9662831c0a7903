// The IKE socket layer: what the daemon uses to open its UDP 500/4500 sockets.
export * from './ike-sockets';
export * from './keepalives';
export * from './local-addresses';
export * from './non-esp-marker';
