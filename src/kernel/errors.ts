// Typed failures of a Kernel. The daemon tells "this kernel cannot carry ESP, use the userspace data path"
// (KernelUnsupportedError) from every other failure (bad request, missing SA, no permission).

export class KernelError extends Error {
  /** ERR_KERNEL_* */
  readonly code: string;
  /** The errno the kernel answered (0 when the failure is ours, not the kernel's). */
  readonly errno: number;
  /** The kernel's own words (netlink extended ACK), when it gave any. */
  readonly kernelMessage: string | undefined;
  /** What we asked: 'add SA', 'delete policy', ... */
  readonly operation: string;

  constructor(code: string, operation: string, message: string, errno = 0, kernelMessage?: string) {
    super(message);
    this.name = 'KernelError';
    this.code = code;
    this.errno = errno;
    this.kernelMessage = kernelMessage;
    this.operation = operation;
  }
}

/**
 * The kernel has no ESP (EPROTONOSUPPORT, "Requested type not found") or not the SA's algorithm (ENOSYS,
 * "Requested ... algorithm not found"): the daemon falls back to the userspace data path.
 */
export class KernelUnsupportedError extends KernelError {
  /** 'esp': no ESP/AH protocol handler in the kernel; 'algorithm': no such crypto algorithm. */
  readonly missing: 'esp' | 'algorithm';

  constructor(operation: string, missing: 'esp' | 'algorithm', message: string, errno: number, kernelMessage?: string) {
    super(missing === 'esp' ? 'ERR_KERNEL_NO_ESP' : 'ERR_KERNEL_NO_ALGORITHM', operation, message, errno, kernelMessage);
    this.name = 'KernelUnsupportedError';
    this.missing = missing;
  }
}

/** True when `err` says the kernel cannot carry this SA at all, so the userspace data path must. */
export function needsUserspaceDataPath(err: unknown): err is KernelUnsupportedError {
  return err instanceof KernelUnsupportedError;
}
