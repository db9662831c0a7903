// A raw AF_NETLINK socket (NETLINK_XFRM for us, but any protocol works): open, send a request built in
// TypeScript, and deliver every datagram the kernel sends back (replies, ACKs, dump parts, multicast
// events) to a JavaScript callback from a uv_poll on the socket, so the daemon never blocks on it.
//
// NetlinkFd is the plain C++ core (no napi types: a future data-path thread can own one). NetlinkSocket
// is its thin JavaScript face. Message parsing (nlmsghdr, NLMSG_ERROR, NLMSG_DONE) is TypeScript's job.
#pragma once

#include <napi.h>

#include "kernel_socket.h"

#include <cstddef>
#include <cstdint>
#include <vector>

class NetlinkFd : public KernelSocketFd {
 public:
  NetlinkFd() = default;
  ~NetlinkFd() override;
  NetlinkFd(const NetlinkFd&) = delete;
  NetlinkFd& operator=(const NetlinkFd&) = delete;

  // Opens and binds a non-blocking socket of `protocol`, joins each multicast group in `groups`
  // (group numbers, e.g. XFRMNLGRP_ACQUIRE = 1), asks for extended ACKs and capped ACKs (an error reply
  // must not echo the request: it may hold keys). Returns 0 or an errno value.
  int Open(int protocol, const std::vector<uint32_t>& groups, int rcvbuf);
  // Sends one datagram to the kernel. Returns 0 or an errno value.
  int Send(const uint8_t* data, size_t size) const override;
  // Reads one datagram into `buf` without blocking. Returns its length, 0 for one not from the kernel,
  // -EAGAIN when nothing is queued, -EMSGSIZE when it did not fit, or another -errno.
  long Receive(uint8_t* buf, size_t size) const override;
  void Close();

  int fd() const override { return fd_; }
  // The port id the kernel gave us (nlmsg_pid of our requests' replies).
  uint32_t port_id() const { return port_id_; }

 private:
  int fd_ = -1;
  uint32_t port_id_ = 0;
};

void InitNetlink(Napi::Env env, Napi::Object exports);
