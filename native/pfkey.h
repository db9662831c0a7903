// A PF_KEY v2 socket (RFC 2367): socket(PF_KEY, SOCK_RAW, PF_KEY_V2). The BSD (KAME) kernels' way to
// program SAs and policies; Linux has it only with CONFIG_NET_KEY (this machine's kernel answers
// EAFNOSUPPORT). Messages are built and parsed in TypeScript (src/kernel/pfkey/); this file only moves
// datagrams, delivering each one the kernel sends (replies and broadcasts: ACQUIRE, EXPIRE, REGISTER) to a
// JavaScript callback from a uv_poll, so the daemon never blocks.
//
// PfkeyFd is the plain C++ core (no napi types); PfkeySocket (in pfkey.cc) is its thin JavaScript face.
// The two differ in open (bind + groups + netlink socket options vs none), send (sendto the kernel's
// sockaddr_nl vs write) and receive (sender check); the uv_poll plumbing is kernel_socket.h's.
#pragma once

#include <napi.h>

#include "kernel_socket.h"

#include <cstddef>
#include <cstdint>

class PfkeyFd : public KernelSocketFd {
 public:
  PfkeyFd() = default;
  ~PfkeyFd() override;
  PfkeyFd(const PfkeyFd&) = delete;
  PfkeyFd& operator=(const PfkeyFd&) = delete;

  // Opens a non-blocking PF_KEY v2 socket. Returns 0 or an errno value (EAFNOSUPPORT: no PF_KEY here).
  int Open(int rcvbuf);
  // Writes one message. Returns 0 or an errno value.
  int Send(const uint8_t* data, size_t size) const override;
  // Reads one message into `buf` without blocking: its length, -EAGAIN when nothing is queued,
  // -EMSGSIZE when it did not fit, or another -errno.
  long Receive(uint8_t* buf, size_t size) const override;
  void Close();
  int fd() const override { return fd_; }

 private:
  int fd_ = -1;
};

void InitPfkey(Napi::Env env, Napi::Object exports);
